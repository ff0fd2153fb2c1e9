#!/usr/bin/env node
import { processIo } from "../io.js";
import { runXenstore } from "../xenstore/run.js";

process.exitCode = await runXenstore("rm", process.argv.slice(2), processIo());

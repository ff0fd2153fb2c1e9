#!/usr/bin/env node
import { processIo } from "../io.js";
import { runXl } from "../xl/cli.js";

process.exitCode = await runXl(process.argv.slice(2), processIo());

#!/usr/bin/env node
import { processIo } from "../io.js";
import { runXenstoreMultiplexed } from "../xenstore/multiplexer.js";

process.exitCode = await runXenstoreMultiplexed(process.argv.slice(2), processIo());

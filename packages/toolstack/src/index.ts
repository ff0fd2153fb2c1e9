export { ToolError } from "./errors.js";
export { type Io, processIo, type ToolEnv } from "./io.js";
export { runXenstoreMultiplexed } from "./xenstore/multiplexer.js";
export { XS_MODES, type XsMode } from "./xenstore/options.js";
export { runXenstore, xenstoredPath } from "./xenstore/run.js";
export { runXl } from "./xl/cli.js";

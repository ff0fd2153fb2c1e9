export * from "./env.js";
export * from "./http.js";
export * from "./http-json.js";
export * from "./logger.js";
export * from "./metrics.js";
export * from "./proc-memory.js";
export * from "./shutdown.js";

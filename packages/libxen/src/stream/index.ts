// The migration stream (tools/libs/guest in Xen): docs/migration.md.
export * from "./constants.js";
export * from "./errors.js";
export * from "./framing.js";
export * from "./image.js";
export * from "./records.js";

export * from "./app.js";
export * from "./errors.js";
export * from "./options.js";
export * from "./plan.js";
export * from "./sample-tree.js";

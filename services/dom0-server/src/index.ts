export { type Dom0Server, type Dom0ServerOptions, MAX_CACHE_MB, startDom0Server } from "./app.js";
export * from "./blkback/index.js";
export * from "./export/index.js";

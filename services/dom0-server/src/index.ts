export { type Dom0Server, type Dom0ServerOptions, startDom0Server } from "./app.js";
export * from "./blkback/index.js";
export { DOM0_ENV, MAX_CACHE_MB } from "./env.js";
export * from "./export/index.js";

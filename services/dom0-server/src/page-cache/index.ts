export { type CachePage, PAGE_SIZE, pageSpan } from "./cache-page.js";
export { PageCacheError } from "./errors.js";
export { InodeLocks } from "./inode-locks.js";
export { PageCache, type PageCacheStats, type PageReader } from "./page-cache.js";
export { CachePressureLog } from "./pressure-log.js";

export { type AttachedVbd, attachVbd } from "./attach.js";
export { BlkfrontDriver, type BlkfrontOptions, type VbdGeometry } from "./blkfront.js";
export { BlkError, type BlkErrorCode } from "./errors.js";

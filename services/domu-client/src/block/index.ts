export { type BlockDirent, BlockFileHandle, BlockMount } from "./block-mount.js";
export { BlockMountError, type MountBlockOptions, mountBlock } from "./mount-block.js";
export { VbdDisk } from "./vbd-disk.js";

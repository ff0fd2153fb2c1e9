export { type DomuClient, type DomuClientOptions, startDomuClient } from "./app.js";
export {
  BlockMount,
  BlockMountError,
  type MountBlockOptions,
  mountBlock,
} from "./block/index.js";
export { DOMU_ENV, GUEST_MODES } from "./env.js";
export { BUILT_MODES, XENFS_MODES, type XenfsMode, type XenfsModeName } from "./frontend/modes.js";
export {
  type GuestDirent,
  type GuestFileHandle,
  type GuestMount,
  type GuestMountOptions,
  type GuestMountSnapshot,
  type GuestStats,
  mountGuest,
} from "./guest-mount.js";
export { MountCounters, type MountObserver } from "./mount/counters.js";
export type { XenfsDirent } from "./mount/dirent.js";
export type { XenfsFileHandle } from "./mount/file-handle.js";
export type { MountSnapshot, XenfsMount } from "./mount/mount.js";
export type { XenfsStats } from "./mount/stats.js";
export { CurrentMount, type MountSource } from "./rejoin/current-mount.js";
export { DemoWorkload, type DemoWorkloadOptions } from "./workload/demo.js";
export { WORKLOADS, type WorkloadName } from "./workload/names.js";
export { MountError, type MountOptions, mount } from "./xenfs.js";

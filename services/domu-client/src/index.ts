export {
  type DomuClient,
  type DomuClientOptions,
  startDomuClient,
  WORKLOADS,
  type WorkloadName,
} from "./app.js";
export { BUILT_MODES, XENFS_MODES, type XenfsMode, type XenfsModeName } from "./frontend/modes.js";
export { MountCounters, type MountObserver } from "./mount/counters.js";
export type { XenfsDirent } from "./mount/dirent.js";
export type { XenfsFileHandle } from "./mount/file-handle.js";
export type { MountSnapshot, XenfsMount } from "./mount/mount.js";
export type { XenfsStats } from "./mount/stats.js";
export { CurrentMount, type MountSource } from "./rejoin/current-mount.js";
export { DemoWorkload, type DemoWorkloadOptions } from "./workload/demo.js";
export { MountError, type MountOptions, mount } from "./xenfs.js";

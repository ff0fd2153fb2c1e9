export {
  type DomuClient,
  type DomuClientOptions,
  startDomuClient,
  WORKLOADS,
  type WorkloadName,
} from "./app.js";
export { BUILT_MODES, XENFS_MODES, type XenfsMode, type XenfsModeName } from "./frontend/modes.js";
export type { XenfsDirent } from "./mount/dirent.js";
export type { XenfsFileHandle } from "./mount/file-handle.js";
export type { MountSnapshot, XenfsMount } from "./mount/mount.js";
export type { XenfsStats } from "./mount/stats.js";
export { DemoWorkload, type DemoWorkloadOptions } from "./workload/demo.js";
export { MountError, type MountOptions, mount } from "./xenfs.js";

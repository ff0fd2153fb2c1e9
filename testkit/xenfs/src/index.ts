// dom0 and guests as real processes, and a whole XenFS host (hypervisor and dom0 processes over
// an export), for the tests layer and the benchmarks.
export { type Dom0Dirs, startDom0Process } from "./dom0-process.js";
export { type GuestProcess, type MountView, startGuestProcess } from "./guest-process.js";
export { startXenfsHost, type XenfsHost, type XenfsHostOptions } from "./xenfs-host.js";

export { type Hypervisor, type HypervisorOptions, startHypervisor } from "./app.js";
export { FaultSpecError, parseFaults } from "./faults.js";
export type { SessionLimits } from "./session/limits.js";
export { startXenstoredSocket, XenStore } from "./xenstore/index.js";
export type { XsBackend, XsConnection } from "./xenstore-port.js";

export { type Hypervisor, type HypervisorOptions, startHypervisor } from "./app.js";
export type { HostMemory, MemoryFileProvider } from "./memory/host-memory.js";
export { MemoryFile } from "./memory/memory-file.js";
export type { SessionLimits } from "./session/limits.js";

export { type Hypervisor, type HypervisorOptions, startHypervisor } from "./app.js";
export { HYPERVISOR_ENV, MAX_MEMORY_MB } from "./env.js";
export type { HostMemory, MemoryFileProvider } from "./memory/host-memory.js";
export { MemoryFile } from "./memory/memory-file.js";
export type { SessionLimits } from "./session/limits.js";

// The hypervisor the core and echo suites run against (testkit's startHypervisorProcess): room for
// their guests, and no per-guest flood limit, since the suites measure what the hypervisor can do.
export const BENCH_HYPERVISOR_ENV = { XEN_MEMORY_MB: 64, XEN_HYPERCALL_RATE: 0 } as const;

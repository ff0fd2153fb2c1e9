// XENFS_WORKLOAD: what a guest does by itself once mounted.
export const WORKLOADS = ["none", "demo"] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

// What every case gets: the cluster, the writes in flight, and the figures it reports.
import type { Cluster, Guest } from "./cluster.js";
import type { Compose } from "./docker.js";
import type { WriteLoad } from "./write-load.js";

export interface CaseContext {
  readonly compose: Compose;
  readonly cluster: Cluster;
  /** The guests the cluster came up with (the --scale replicas). */
  readonly guests: readonly Guest[];
  readonly load: WriteLoad;
  /** XEN_SESSION_LEASE_MS the hypervisor runs with. */
  readonly leaseMs: number;
  /** Adds one line to the summary printed at the end. */
  figure(name: string, value: string | number): void;
}

export interface TestCase {
  readonly name: string;
  /** Whether the writes in flight run during the case. */
  readonly withWrites: boolean;
  run(ctx: CaseContext): Promise<void>;
}

/** How long a service may take to come back once the old domain's lease is over. */
export function recoveryBudgetMs(ctx: CaseContext): number {
  return ctx.leaseMs + 60_000;
}

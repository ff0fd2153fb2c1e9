// services/hypervisor/src/main.ts as its own process on an ephemeral loopback port.
import { HYPERVISOR_ENV } from "@xenfs/hypervisor/env";
import { buildEnv } from "@xenfs/service-kit";
import { JsonLinesProcess } from "@xenfs/testkit/process";

export const CLUSTER_TOKEN = "bench-cluster-token";
export const DOM0_TOKEN = "bench-dom0-token";

export interface HypervisorProcess {
  /** ws://127.0.0.1:<port>/hypercall */
  readonly url: string;
  /** Machine frames in use now (/api/memory). */
  framesUsed(): Promise<number>;
  stop(): Promise<void>;
}

export async function startHypervisorProcess(): Promise<HypervisorProcess> {
  const env = buildEnv(HYPERVISOR_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_MEMORY_MB: 64,
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    // The suites measure what the hypervisor can do, not the per-guest flood limit.
    XEN_HYPERCALL_RATE: 0,
    LOG_LEVEL: "info",
  });
  const child = JsonLinesProcess.start("hypervisor", "services/hypervisor/src/main.ts", env);
  const ready = await child.waitFor<{ url: string; dashboard: string }>(
    "hypervisor ready",
    (m) => m.msg === "hypervisor ready",
  );
  const memoryUrl = new URL("api/memory", ready.dashboard);
  return {
    url: ready.url,
    async framesUsed() {
      const view = (await (await fetch(memoryUrl)).json()) as { frames: { used: number } };
      return view.frames.used;
    },
    stop: () => child.stop(),
  };
}

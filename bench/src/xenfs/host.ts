// A XenFS host for the benchmark: the hypervisor and dom0 as their own processes, dom0 exporting
// the benchmark's directory under the given memory transport. A fresh host per phase gives every
// phase an empty page cache.
import { DOM0_ENV } from "@xenfs/dom0-server/env";
import { HYPERVISOR_ENV } from "@xenfs/hypervisor/env";
import { buildEnv } from "@xenfs/service-kit";
import { JsonLinesProcess } from "@xenfs/testkit/process";
import { type HostMemorySample, sampleHostMemory } from "./host-memory.js";
import type { Transport } from "./transport.js";

export const CLUSTER_TOKEN = "bench-cluster-token";
const DOM0_TOKEN = "bench-dom0-token";

export interface HostSizes {
  readonly memoryMb: number;
  readonly cacheMb: number;
}

export interface XenfsHost {
  /** ws://127.0.0.1:<port>/hypercall */
  readonly url: string;
  readonly transport: Transport;
  /** The hypervisor process, to read its memory. */
  readonly hypervisorPid: number;
  /** Machine frames in use now (/api/memory frames.used). */
  framesUsed(): Promise<number>;
  /** Host memory now: Pss of the hypervisor, dom0 and `readerPids`, plus the memory file's resident bytes. */
  memory(readerPids: readonly number[]): Promise<HostMemorySample>;
  stop(): Promise<void>;
}

export async function startXenfsHost(
  exportDir: string,
  sizes: HostSizes,
  transport: Transport,
): Promise<XenfsHost> {
  const hypervisorEnv = buildEnv(HYPERVISOR_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_MEMORY_MB: sizes.memoryMb,
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    LOG_LEVEL: "info",
  });
  const hypervisor = JsonLinesProcess.start("hypervisor", "services/hypervisor/src/main.ts", hypervisorEnv);
  const ready = await hypervisor.waitFor<{ url: string; dashboard: string }>(
    "hypervisor ready",
    (m) => m.msg === "hypervisor ready",
  );
  const dom0Env = buildEnv(DOM0_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_HYPERVISOR_URL: ready.url,
    XEN_DOM0_TOKEN: DOM0_TOKEN,
    XEN_MEMORY_TRANSPORT: transport,
    XENFS_EXPORT: exportDir,
    XENFS_CACHE_MB: sizes.cacheMb,
    LOG_LEVEL: "info",
  });
  const dom0 = JsonLinesProcess.start("dom0", "services/dom0-server/src/main.ts", dom0Env);
  const stop = async () => {
    await dom0.stop();
    await hypervisor.stop();
  };
  try {
    // Generous: with many guests about to start, a loaded machine is slow to bring dom0 up.
    await dom0.waitFor("dom0 ready", (m) => m.msg === "dom0 ready", 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const memoryUrl = new URL("api/memory", ready.dashboard);
  return {
    url: ready.url,
    transport,
    hypervisorPid: hypervisor.pid ?? -1,
    async framesUsed() {
      const view = (await (await fetch(memoryUrl)).json()) as { frames: { used: number } };
      return view.frames.used;
    },
    memory: (readerPids) =>
      sampleHostMemory(memoryUrl, [
        { name: "hypervisor", pids: [hypervisor.pid ?? -1] },
        { name: "dom0", pids: [dom0.pid ?? -1] },
        { name: "readers", pids: readerPids },
      ]),
    stop,
  };
}

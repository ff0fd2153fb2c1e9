// A XenFS host for the benchmark: testkit's (the hypervisor and dom0 as their own processes),
// dom0 exporting the benchmark's directory under the given memory transport, plus what the
// benchmark reads of it. A fresh host per phase gives every phase an empty page cache.
import { startXenfsHost as startHost } from "@xenfs/testkit-xenfs";
import { type HostMemorySample, sampleHostMemory } from "./host-memory.js";
import type { Transport } from "./transport.js";

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
  const host = await startHost({
    exportDir,
    ...sizes,
    transport,
    // The hypervisor's own default: the benchmark measures the host as it runs.
    sessionLeaseMs: 10_000,
    // Generous: with many guests about to start, a loaded machine is slow to bring dom0 up.
    dom0ReadyMs: 120_000,
  });
  const memoryUrl = new URL("/api/memory", host.hv.httpUrl);
  const hypervisorPid = host.hv.process.pid ?? -1;
  return {
    url: host.hv.url,
    transport,
    hypervisorPid,
    framesUsed: host.hv.framesUsed,
    memory: (readerPids) =>
      sampleHostMemory(memoryUrl, [
        { name: "hypervisor", pids: [hypervisorPid] },
        { name: "dom0", pids: [host.dom0.pid ?? -1] },
        { name: "readers", pids: readerPids },
      ]),
    stop: host.stop,
  };
}

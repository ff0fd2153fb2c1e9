// A XenFS host for the benchmark: the hypervisor and dom0 as their own processes (testkit's),
// dom0 exporting the benchmark's directory under the given memory transport and, for block mode,
// serving an ext4 image of it as every guest's read-only vbd. A fresh host per phase gives every
// phase an empty page cache.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHypervisorProcess } from "@xenfs/testkit";
import { startDom0Process } from "@xenfs/testkit-xenfs";
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
  /** A raw disk image dom0 serves read-only as vbd 0 (block mode). */
  vbdImage?: string,
): Promise<XenfsHost> {
  const hv = await startHypervisorProcess({
    XEN_MEMORY_MB: sizes.memoryMb,
    // The hypervisor's own default: the benchmark measures the host as it runs.
    XEN_SESSION_LEASE_MS: 10_000,
  });
  // dom0's own state (reply journal, cow overlays): fresh for each host, gone with it.
  const stateDir = await mkdtemp(join(tmpdir(), "xenfs-bench-state-"));
  let dom0: Awaited<ReturnType<typeof startDom0Process>>;
  try {
    dom0 = await startDom0Process(
      hv.url,
      { exportDir, stateDir },
      {
        XENFS_CACHE_MB: sizes.cacheMb,
        XEN_MEMORY_TRANSPORT: transport,
        ...(vbdImage === undefined ? {} : { XENFS_VBD_IMAGE: vbdImage, XENFS_VBD_MODE: "r" as const }),
      },
      // Generous: with many guests about to start, a loaded machine is slow to bring dom0 up.
      120_000,
    );
  } catch (error) {
    await hv.stop();
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  const memoryUrl = new URL("/api/memory", hv.httpUrl);
  const hypervisorPid = hv.process.pid ?? -1;
  return {
    url: hv.url,
    transport,
    hypervisorPid,
    framesUsed: hv.framesUsed,
    memory: (readerPids) =>
      sampleHostMemory(memoryUrl, [
        { name: "hypervisor", pids: [hypervisorPid] },
        { name: "dom0", pids: [dom0.pid ?? -1] },
        { name: "readers", pids: readerPids },
      ]),
    async stop() {
      await dom0.stop();
      await hv.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

// A XenFS host: the hypervisor and dom0 as their own processes, dom0 exporting a directory (a
// fresh one holding `files`, or the caller's). Guests join it as processes or in the test.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MemoryTransport } from "@xenfs/libxen";
import {
  type HypervisorProcess,
  type JsonLinesProcess,
  type MemoryView,
  memoryView,
  startHypervisorProcess,
  TEST_MEMORY_TRANSPORT,
} from "@xenfs/testkit";
import { startDom0Process } from "./dom0-process.js";

export interface XenfsHostOptions {
  /** The directory dom0 exports (left in place on stop); a fresh one holding `files` when absent. */
  readonly exportDir?: string;
  readonly files?: Record<string, Uint8Array>;
  readonly memoryMb: number;
  readonly cacheMb: number;
  /** dom0's memory transport; the test host's (XEN_MEMORY_TRANSPORT) when absent. */
  readonly transport?: MemoryTransport;
  /** How long a guest that closed its session keeps its domain (short by default: 300 ms). */
  readonly sessionLeaseMs?: number;
  /** How long dom0 may take to start (tsx compiles it; a loaded machine is slow). */
  readonly dom0ReadyMs?: number;
}

export interface XenfsHost {
  readonly hv: HypervisorProcess;
  readonly dom0: JsonLinesProcess;
  readonly exportDir: string;
  readonly transport: MemoryTransport;
  memory(): Promise<MemoryView>;
  stop(): Promise<void>;
}

export async function startXenfsHost(options: XenfsHostOptions): Promise<XenfsHost> {
  const fresh = options.exportDir === undefined;
  const exportDir = options.exportDir ?? (await mkdtemp(join(tmpdir(), "xenfs-tests-export-")));
  for (const [name, bytes] of Object.entries(options.files ?? {}))
    await writeFile(join(exportDir, name), bytes);
  const transport = options.transport ?? TEST_MEMORY_TRANSPORT;
  const removeDirs = async () => {
    if (!fresh) return;
    await rm(exportDir, { recursive: true, force: true });
    await rm(`${exportDir}.state`, { recursive: true, force: true });
  };
  const hv = await startHypervisorProcess({
    XEN_MEMORY_MB: options.memoryMb,
    XEN_SESSION_LEASE_MS: options.sessionLeaseMs ?? 300,
  });
  let dom0: JsonLinesProcess;
  try {
    dom0 = await startDom0Process(
      hv.url,
      fresh ? { exportDir, stateDir: `${exportDir}.state` } : { exportDir },
      { XENFS_CACHE_MB: options.cacheMb, XEN_MEMORY_TRANSPORT: transport },
      options.dom0ReadyMs,
    );
  } catch (error) {
    await hv.stop();
    await removeDirs();
    throw error;
  }
  return {
    hv,
    dom0,
    exportDir,
    transport,
    memory: () => memoryView(hv.httpUrl),
    async stop() {
      await dom0.stop();
      await hv.stop();
      await removeDirs();
    },
  };
}

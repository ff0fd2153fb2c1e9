// A XenFS host for cross-service tests: the hypervisor as its own process, dom0 in this process
// (startDom0Server) exporting a fresh directory whose files are written before dom0 starts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { MemoryTransport } from "@xenfs/libxen";
import { TEST_MEMORY_TRANSPORT } from "@xenfs/testkit";
import { type MemoryView, memoryView } from "./hypervisor-api.js";
import { DOM0_TOKEN, type HypervisorProcess, startHypervisorProcess } from "./hypervisor-process.js";

export interface XenfsHost {
  readonly hv: HypervisorProcess;
  readonly dom0: Dom0Server;
  memory(): Promise<MemoryView>;
  close(): Promise<void>;
}

/** A guest that closes its session keeps its domain until the lease ends: keep that short. */
const SESSION_LEASE_MS = 300;

export async function startXenfsHost(
  files: Record<string, Uint8Array>,
  sizes: { memoryMb: number; cacheMb: number },
  dom0Transport: MemoryTransport = TEST_MEMORY_TRANSPORT,
): Promise<XenfsHost> {
  const exportDir = await mkdtemp(join(tmpdir(), "xenfs-tests-export-"));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(exportDir, name), bytes);
  const hv = await startHypervisorProcess({
    XEN_MEMORY_MB: sizes.memoryMb,
    XEN_SESSION_LEASE_MS: SESSION_LEASE_MS,
  });
  let dom0: Dom0Server;
  try {
    dom0 = await startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir,
      stateDir: `${exportDir}.state`,
      port: 0,
      cacheMb: sizes.cacheMb,
      memoryTransport: dom0Transport,
    });
  } catch (error) {
    await hv.process.kill();
    throw error;
  }
  return {
    hv,
    dom0,
    memory: () => memoryView(hv.httpUrl),
    async close() {
      await dom0.close();
      await hv.process.kill();
      await rm(exportDir, { recursive: true, force: true });
      await rm(`${exportDir}.state`, { recursive: true, force: true });
    },
  };
}

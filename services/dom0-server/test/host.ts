// A real hypervisor on an ephemeral port with dom0 and guests joined to it, for integration tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hypervisor } from "@xenfs/hypervisor";

export {
  CLUSTER_TOKEN,
  DOM0_TOKEN,
  joinDom0,
  joinGuest,
  startTestHypervisor,
  TEST_MEMORY_TRANSPORT,
} from "@xenfs/testkit";

/** A fresh directory to export; `remove` deletes it. */
export async function tempExport(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "xenfs-export-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The hypervisor's view of the host, from its JSON API. */
export async function hvApi<T>(hv: Hypervisor, path: string): Promise<T> {
  return (await (await fetch(`${hv.httpUrl}${path}`)).json()) as T;
}

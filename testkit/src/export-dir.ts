// A real hypervisor on an ephemeral port with dom0 and guests joined to it, for integration tests.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
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

/** A fresh directory to export, in a directory of its own that also takes dom0's state dir; `remove` deletes both. */
export async function tempExport(): Promise<{ path: string; remove(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), "xenfs-export-"));
  const path = join(base, "export");
  await mkdir(path);
  return { path, remove: () => rm(base, { recursive: true, force: true }) };
}

/** The hypervisor's view of the host, from its JSON API. */
export async function hvApi<T>(hv: Hypervisor, path: string): Promise<T> {
  return (await (await fetch(`${hv.httpUrl}${path}`)).json()) as T;
}

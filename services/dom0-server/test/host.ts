// A real hypervisor on an ephemeral port with dom0 and guests joined to it, for integration tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hypervisor, type HypervisorOptions, startHypervisor } from "@xenfs/hypervisor";
import { XenDomain } from "@xenfs/libxen";
// The store the hypervisor's main.ts plugs in; @xenfs/hypervisor does not export it.
import { XenStore } from "../../hypervisor/src/xenstore/index.js";

export const CLUSTER_TOKEN = "test-cluster-token";
export const DOM0_TOKEN = "test-dom0-token";

export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHypervisor({
    port: 0,
    memoryMb: 16,
    clusterToken: CLUSTER_TOKEN,
    dom0Token: DOM0_TOKEN,
    xenstore: new XenStore(),
    ...options,
  });
}

export function joinDom0(hv: Hypervisor): Promise<XenDomain> {
  return XenDomain.join({ url: hv.url, token: DOM0_TOKEN, name: "Domain-0" });
}

export function joinGuest(hv: Hypervisor, name: string): Promise<XenDomain> {
  return XenDomain.join({ url: hv.url, token: CLUSTER_TOKEN, name });
}

/** A fresh directory to export; `remove` deletes it. */
export async function tempExport(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "xenfs-export-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The hypervisor's view of the host, from its JSON API. */
export async function hvApi<T>(hv: Hypervisor, path: string): Promise<T> {
  return (await (await fetch(`${hv.httpUrl}${path}`)).json()) as T;
}

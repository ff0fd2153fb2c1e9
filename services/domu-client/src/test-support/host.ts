// A real hypervisor (in this process, on an ephemeral port) and domains joined to it, for tests.
import { type Hypervisor, type HypervisorOptions, startHypervisor } from "@xenfs/hypervisor";
import { XenDomain } from "@xenfs/libxen";
// The store the hypervisor's main.ts plugs in; @xenfs/hypervisor does not export it.
import { XenStore } from "../../../hypervisor/src/xenstore/index.js";

export const CLUSTER_TOKEN = "test-cluster-token";
export const DOM0_TOKEN = "test-dom0-token";

export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHypervisor({
    port: 0,
    memoryMb: 64,
    clusterToken: CLUSTER_TOKEN,
    dom0Token: DOM0_TOKEN,
    sessionLeaseMs: 500,
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

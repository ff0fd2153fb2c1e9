// A real hypervisor on an ephemeral port, and domains joined to it, for integration tests.
import { type Hypervisor, type HypervisorOptions, startHypervisor, XenStore } from "@xenfs/hypervisor";
import { XenDomain } from "../src/domain.js";
import type { XenSessionOptions } from "../src/session.js";

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
    // Not a test of the per-guest flood limit, which a fast machine could hit mid-test.
    limits: { ratePerSec: 0, ...options.limits },
  });
}

type JoinOptions = Partial<Omit<XenSessionOptions, "token">>;

export function joinDom0(hv: Hypervisor, options: JoinOptions = {}): Promise<XenDomain> {
  return XenDomain.join({ url: hv.url, token: DOM0_TOKEN, name: "Domain-0", ...options });
}

export function joinGuest(hv: Hypervisor, name: string, options: JoinOptions = {}): Promise<XenDomain> {
  return XenDomain.join({ url: hv.url, token: CLUSTER_TOKEN, name, ...options });
}

// A real hypervisor (in this process, on an ephemeral port, with its XenStore) and domains
// joined to it: the host every integration test above libxen starts from. libxen's own tests keep
// a copy of this against its sources, since libxen cannot depend on a package built on it.
import { type Hypervisor, type HypervisorOptions, startHypervisor, XenStore } from "@xenfs/hypervisor";
import { type MemoryTransport, XenDomain, type XenSessionOptions } from "@xenfs/libxen";

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
    // Tests above libxen are not about the per-guest flood limit; on a fast machine a busy guest
    // would hit it (EAGAIN) in the middle of what they do test.
    limits: { ratePerSec: 0, ...options.limits },
  });
}

/**
 * The memory transport test domains use unless a test names one: XEN_MEMORY_TRANSPORT=socket runs
 * a suite over the socket transport; otherwise shm (libxen's default).
 */
export const TEST_MEMORY_TRANSPORT: MemoryTransport = transportFrom(process.env);

function transportFrom({ XEN_MEMORY_TRANSPORT }: NodeJS.ProcessEnv): MemoryTransport {
  return XEN_MEMORY_TRANSPORT === "socket" ? "socket" : "shm";
}

type JoinOptions = Partial<Omit<XenSessionOptions, "token" | "url">>;

export function joinDom0(hv: Hypervisor, options: JoinOptions = {}): Promise<XenDomain> {
  return XenDomain.join({
    url: hv.url,
    token: DOM0_TOKEN,
    name: "Domain-0",
    memoryTransport: TEST_MEMORY_TRANSPORT,
    ...options,
  });
}

export function joinGuest(hv: Hypervisor, name: string, options: JoinOptions = {}): Promise<XenDomain> {
  return XenDomain.join({
    url: hv.url,
    token: CLUSTER_TOKEN,
    name,
    memoryTransport: TEST_MEMORY_TRANSPORT,
    ...options,
  });
}

// A real hypervisor on an ephemeral port, and domains joined to it, for integration tests.
import { type Hypervisor, type HypervisorOptions, startHypervisor } from "@xenfs/hypervisor";
import { XenStore } from "@xenfs/xenstored";
import { XenDomain } from "../src/domain.js";
import type { XenSessionOptions } from "../src/session.js";
import type { MemoryTransport } from "../src/shared-memory.js";

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

/**
 * The memory transport test domains use unless a test names one: XEN_MEMORY_TRANSPORT=socket runs
 * a suite over the socket transport; otherwise shm (libxen's default).
 */
export const TEST_MEMORY_TRANSPORT: MemoryTransport = transportFrom(process.env);

function transportFrom({ XEN_MEMORY_TRANSPORT }: NodeJS.ProcessEnv): MemoryTransport {
  return XEN_MEMORY_TRANSPORT === "socket" ? "socket" : "shm";
}

/** Both memory transports, for suites whose semantics must hold on each. */
export const TRANSPORTS: readonly MemoryTransport[] = ["shm", "socket"];

type JoinOptions = Partial<Omit<XenSessionOptions, "token">>;

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

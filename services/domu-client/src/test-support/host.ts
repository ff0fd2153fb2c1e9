// A real hypervisor (in this process, on an ephemeral port) and domains joined to it, for tests.
import type { Hypervisor, HypervisorOptions } from "@xenfs/hypervisor";
import { startTestHypervisor as startHost } from "@xenfs/testkit";

export { CLUSTER_TOKEN, DOM0_TOKEN, joinDom0, joinGuest } from "@xenfs/testkit";

/** Room for page caches, and a short lease so a killed dom0 makes way for the next quickly. */
export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHost({ memoryMb: 64, sessionLeaseMs: 500, ...options });
}

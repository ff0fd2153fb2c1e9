// A real hypervisor (in this process, on an ephemeral port) for tests.
import type { Hypervisor, HypervisorOptions } from "@xenfs/hypervisor";
import { startTestHypervisor as startHost } from "@xenfs/testkit";

export { joinDom0, joinGuest } from "@xenfs/testkit";

/** Short, so a killed dom0's domain dies (and a new one may join) within the test. */
export const LEASE_MS = 400;

export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHost({ sessionLeaseMs: LEASE_MS, ...options });
}

// A real hypervisor in this process, with a short session lease, for the xenbus and echo device tests.
import type { Hypervisor, HypervisorOptions } from "@xenfs/hypervisor";
import { startTestHypervisor as startHost } from "@xenfs/testkit";

export { joinDom0, joinGuest } from "@xenfs/testkit";

/** Short, so a killed dom0's domain dies (and a new one may join) within the test. */
export const LEASE_MS = 400;

export function startTestHypervisor(options: Partial<HypervisorOptions> = {}): Promise<Hypervisor> {
  return startHost({ sessionLeaseMs: LEASE_MS, ...options });
}

export async function getJson<T>(hv: Hypervisor, path: string): Promise<T> {
  const response = await fetch(`${hv.httpUrl}${path}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns something other than undefined. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

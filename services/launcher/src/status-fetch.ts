// Polls the services' JSON endpoints for one Snapshot. Every request has a short timeout and any
// failure (refused, non-200, bad JSON) yields undefined for that part only.
import { LOOPBACK } from "./plan.js";
import { parseCache, parseDomains, parseMemory, parseMount, type Snapshot } from "./status-model.js";

const REQUEST_TIMEOUT_MS = 1000;

export interface StatusEndpoints {
  readonly hypervisorPort: number;
  /** Absent when dom0 is not running. */
  readonly dom0Port: number | undefined;
  readonly guests: readonly { readonly name: string; readonly port: number }[];
}

export async function getJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (res.status !== 200) {
      await res.body?.cancel();
      return undefined;
    }
    return await res.json();
  } catch {
    return undefined;
  }
}

export async function takeSnapshot(endpoints: StatusEndpoints, at: number): Promise<Snapshot> {
  const base = (port: number): string => `http://${LOOPBACK}:${port}`;
  const hypervisor = base(endpoints.hypervisorPort);
  const [domains, memory, cache, mounts] = await Promise.all([
    getJson(`${hypervisor}/api/domains`),
    getJson(`${hypervisor}/api/memory`),
    endpoints.dom0Port === undefined ? undefined : getJson(`${base(endpoints.dom0Port)}/api/cache`),
    Promise.all(endpoints.guests.map((g) => getJson(`${base(g.port)}/api/mount`))),
  ]);
  return {
    at,
    domains: parseDomains(domains),
    memory: parseMemory(memory),
    cache: parseCache(cache),
    guests: endpoints.guests.map((g, i) => ({ name: g.name, port: g.port, mount: parseMount(mounts[i]) })),
  };
}

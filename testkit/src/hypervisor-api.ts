// The hypervisor's JSON views (docs/design.md#observable), typed as far as these tests read them.
export interface MemoryView {
  frames: { total: number; used: number; shared: number; free: number };
  domains: { domid: number; name: string; frames: number; mapped: number }[];
}

export interface DomainView {
  domid: number;
  name: string;
  state: string;
  frames: number;
  grants: number;
  maps: number;
  ports: number;
  connected: boolean;
}

/** Any of the hypervisor's JSON views, from its HTTP API (`hv`: a Hypervisor or HypervisorProcess). */
export async function hvApi<T>(hv: { readonly httpUrl: string }, path: string): Promise<T> {
  return (await (await fetch(`${hv.httpUrl}${path}`)).json()) as T;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

export const memoryView = (httpUrl: string) => getJson<MemoryView>(`${httpUrl}/api/memory`);
export const domainsView = (httpUrl: string) => getJson<DomainView[]>(`${httpUrl}/api/domains`);

// The hypervisor's JSON views (DESIGN §1), typed as far as these tests read them.
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

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

export const memoryView = (httpUrl: string) => getJson<MemoryView>(`${httpUrl}/api/memory`);
export const domainsView = (httpUrl: string) => getJson<DomainView[]>(`${httpUrl}/api/domains`);

/** Polls `read` until `done` accepts its value; the last value otherwise, after `timeoutMs`. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

// What the test reads from the running cluster: the hypervisor's domains and memory, and each
// guest's admin API (docs/design.md#observable), reached at the containers' addresses.
import { type Compose, containerIp } from "./docker.js";

export interface DomainInfo {
  readonly domid: number;
  readonly name: string;
  readonly state: string;
  readonly frames: number;
  readonly grants: number;
  readonly maps: number;
  readonly ports: number;
}

export interface MemoryInfo {
  readonly frames: { readonly total: number; readonly used: number; readonly shared: number };
  readonly domains: readonly { readonly domid: number; readonly name: string; readonly mapped: number }[];
}

export interface Guest {
  /** Container id; the guest's domain is named after its first 12 characters (its hostname). */
  readonly id: string;
  readonly url: string;
}

const HTTP_TIMEOUT_MS = 10_000;
/**
 * A whole file through a guest: it catches a hang, not a slow machine. Four guests reading a
 * 32 MiB file at once took over 10 s on two cores at a load average of 26.
 */
const FILE_TIMEOUT_MS = 120_000;

export class Cluster {
  constructor(private readonly compose: Compose) {}

  async hypervisorUrl(): Promise<string> {
    return `http://${await containerIp(await this.compose.one("hypervisor"))}:7000`;
  }

  async guests(): Promise<Guest[]> {
    const ids = await this.compose.running("domu");
    return Promise.all(ids.map(async (id) => ({ id, url: `http://${await containerIp(id)}:7100` })));
  }

  async domains(): Promise<DomainInfo[]> {
    return getJson(`${await this.hypervisorUrl()}/api/domains`);
  }

  async memory(): Promise<MemoryInfo> {
    return getJson(`${await this.hypervisorUrl()}/api/memory`);
  }

  /** The guest's domain, if the hypervisor lists it. */
  async domainOf(guest: Guest): Promise<DomainInfo | undefined> {
    return (await this.domains()).find((d) => d.name === guest.id.slice(0, 12));
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

export async function readGuestFile(guest: Guest, path: string): Promise<Buffer> {
  const response = await fetch(`${guest.url}/fs/${path}`, { signal: AbortSignal.timeout(FILE_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`guest ${guest.id.slice(0, 12)} GET ${path}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export async function isReady(guest: Guest): Promise<boolean> {
  const response = await fetch(`${guest.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(
    () => undefined,
  );
  return response?.ok ?? false;
}

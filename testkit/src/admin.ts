// What an operator does to a guest through the hypervisor's admin API (dom0's token); for a
// hypervisor in this process or one as its own process alike.
import { DOM0_TOKEN } from "./tokens.js";

/** Where the hypervisor's HTTP API is (a Hypervisor, a HypervisorProcess). */
export interface HypervisorHttp {
  readonly httpUrl: string;
}

const auth = { authorization: `Bearer ${DOM0_TOKEN}` };

async function admin(hv: HypervisorHttp, method: string, path: string, body?: unknown): Promise<unknown> {
  const init = body === undefined ? {} : { body: JSON.stringify(body) };
  const response = await fetch(`${hv.httpUrl}${path}`, { method, headers: auth, ...init });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export const pauseDomain = (hv: HypervisorHttp, domid: number) =>
  admin(hv, "POST", `/api/domains/${domid}/pause`);
export const destroyDomain = (hv: HypervisorHttp, domid: number) =>
  admin(hv, "POST", `/api/domains/${domid}/destroy`);

/** The fault rules in force, as the hypervisor spells them (`delay=1ms@3`). */
export async function faultRules(hv: HypervisorHttp): Promise<string[]> {
  const { spec } = (await admin(hv, "GET", "/api/faults")) as { spec: string };
  return spec === "" ? [] : spec.split(",");
}

/** Replaces `domid`'s fault rules (DOMID_XEN: the hypervisor-wide ones); see docs/faults.md. */
export const setFaults = (hv: HypervisorHttp, domid: number, spec: string) =>
  admin(hv, "PUT", "/api/faults", { domid, spec });

/** Domains the hypervisor lists by that name. */
export async function domidsNamed(hv: HypervisorHttp, name: string): Promise<number[]> {
  const domains = (await (await fetch(`${hv.httpUrl}/api/domains`)).json()) as {
    domid: number;
    name: string;
  }[];
  return domains.filter((domain) => domain.name === name).map((domain) => domain.domid);
}

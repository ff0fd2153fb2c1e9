// What an operator does to a guest through the hypervisor's admin API (dom0's token), and a wait
// for a condition the services reach on their own.
import type { Hypervisor } from "@xenfs/hypervisor";
import { DOM0_TOKEN } from "./host.js";

const auth = { authorization: `Bearer ${DOM0_TOKEN}` };

async function admin(hv: Hypervisor, method: string, path: string): Promise<unknown> {
  const response = await fetch(`${hv.httpUrl}${path}`, { method, headers: auth });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export const pauseDomain = (hv: Hypervisor, domid: number) =>
  admin(hv, "POST", `/api/domains/${domid}/pause`);
export const destroyDomain = (hv: Hypervisor, domid: number) =>
  admin(hv, "POST", `/api/domains/${domid}/destroy`);

/** The fault rules in force, as the hypervisor spells them (`delay=1ms@3`). */
export async function faultRules(hv: Hypervisor): Promise<string[]> {
  const { spec } = (await admin(hv, "GET", "/api/faults")) as { spec: string };
  return spec === "" ? [] : spec.split(",");
}

/** Domains the hypervisor lists by that name. */
export async function domidsNamed(hv: Hypervisor, name: string): Promise<number[]> {
  const domains = (await (await fetch(`${hv.httpUrl}/api/domains`)).json()) as {
    domid: number;
    name: string;
  }[];
  return domains.filter((domain) => domain.name === name).map((domain) => domain.domid);
}

/** Resolves once `check` holds; polls, since the services get there by themselves. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The guests' domains as the hypervisor lists them, by the name each guest took (its hostname).
import type { Cluster, Guest } from "../cluster.js";

/** domid of each guest that the hypervisor lists, by container id. */
export async function guestDomids(cluster: Cluster, guests: readonly Guest[]): Promise<Map<string, number>> {
  const domains = await cluster.domains();
  const byName = new Map(domains.map((d) => [d.name, d.domid]));
  const found = new Map<string, number>();
  for (const guest of guests) {
    const domid = byName.get(guest.id.slice(0, 12));
    if (domid !== undefined) found.set(guest.id, domid);
  }
  return found;
}

/** True when every guest is listed under a domid other than the one it had in `old`. */
export async function allRejoined(
  cluster: Cluster,
  guests: readonly Guest[],
  old: ReadonlyMap<string, number>,
): Promise<boolean> {
  const now = await guestDomids(cluster, guests);
  return guests.every((g) => now.has(g.id) && now.get(g.id) !== old.get(g.id));
}

/** True when the hypervisor lists every guest (after a hypervisor restart every domain is new,
 *  and its rover starts over, so a guest may well get its old domid back). */
export async function allListed(cluster: Cluster, guests: readonly Guest[]): Promise<boolean> {
  const now = await guestDomids(cluster, guests);
  return guests.every((g) => now.has(g.id));
}

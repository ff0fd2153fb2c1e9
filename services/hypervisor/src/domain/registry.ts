// Every domain the hypervisor knows, live or zombie, by domid and by name. Domids are chosen
// here, never by a client: 0 for the one dom0, the lowest free id ≥ 1 for guests.
import { DOMID_MAX_GUEST } from "@xenfs/proto";
import type { Domain } from "./domain.js";

export class DomainRegistry {
  private readonly byId = new Map<number, Domain>();

  get(domid: number): Domain | undefined {
    return this.byId.get(domid);
  }

  /** Live domain by id (running or paused). */
  live(domid: number): Domain | undefined {
    const d = this.byId.get(domid);
    return d?.live ? d : undefined;
  }

  nameTaken(name: string): boolean {
    for (const d of this.byId.values()) if (d.live && d.name === name) return true;
    return false;
  }

  /** Lowest free guest domid, or undefined when all are taken (zombies keep theirs). */
  freeGuestDomid(): number | undefined {
    for (let domid = 1; domid <= DOMID_MAX_GUEST; domid++) if (!this.byId.has(domid)) return domid;
    return undefined;
  }

  add(domain: Domain): void {
    if (this.byId.has(domain.domid)) throw new Error(`domid ${domain.domid} in use`);
    this.byId.set(domain.domid, domain);
  }

  remove(domain: Domain): void {
    if (this.byId.get(domain.domid) === domain) this.byId.delete(domain.domid);
  }

  all(): Domain[] {
    return [...this.byId.values()].sort((a, b) => a.domid - b.domid);
  }
}

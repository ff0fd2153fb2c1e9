// Every domain the hypervisor knows, live or zombie, by domid and by name. Domids are chosen
// here, never by a client: 0 for the one dom0, and for guests the next free id after the last
// one handed out, wrapping below DOMID_FIRST_RESERVED — Xen's `rover` in XEN_DOMCTL_createdomain.
// So a domid is not reused while the toolstack, XenStore watchers and backends may still be
// tearing down the domain that last had it.
import { DOMID_MAX_GUEST } from "@xenfs/proto";
import type { Domain } from "./domain.js";

export class DomainRegistry {
  private readonly byId = new Map<number, Domain>();
  private rover = 0;

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

  /** The next free guest domid after the last one given, or undefined when all are taken (zombies keep theirs). */
  freeGuestDomid(): number | undefined {
    for (let tried = 0; tried < DOMID_MAX_GUEST; tried++) {
      this.rover = this.rover >= DOMID_MAX_GUEST ? 1 : this.rover + 1;
      if (!this.byId.has(this.rover)) return this.rover;
    }
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

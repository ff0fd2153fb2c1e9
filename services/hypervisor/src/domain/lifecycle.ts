// common/domain.c's share: a domain's states (running, paused, dying, zombie, dead), what dom0
// hears of them, and teardown — which only asks each part to give back what the domain held:
// event channels, grant mappings, memory, XenStore.
import { type DomainStateName, VIRQ, type xen } from "@xenfs/proto";
import type { Logger } from "@xenfs/service-kit";
import type { XsBackend } from "@xenfs/xenstored";
import type { Events } from "../event-channel/events.js";
import type { Faults } from "../faults/faults.js";
import type { Grants } from "../grant-table/grants.js";
import type { MachineMemory } from "../memory/machine-memory.js";
import type { Domain } from "./domain.js";
import type { DomainRegistry } from "./registry.js";

export interface LifecycleDeps {
  readonly domains: DomainRegistry;
  readonly memory: MachineMemory;
  readonly grants: Grants;
  readonly events: Events;
  readonly faults: Faults;
  readonly xenstore: XsBackend | undefined;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly upcall: (domain: Domain, upcall: xen.Upcall.$Properties) => void;
  /** Serves the calls a paused domain queued. */
  readonly serveHeld: (domain: Domain) => void;
}

export class Lifecycle {
  #closed = false;

  constructor(private readonly deps: LifecycleDeps) {}

  /** Tells dom0 (the toolstack) that another domain changed state. */
  announce(domain: Domain, state: DomainStateName): void {
    const dom0 = this.deps.domains.live(0);
    if (dom0 && dom0 !== domain) this.deps.upcall(dom0, { domainState: { domid: domain.domid, state } });
  }

  pause(domain: Domain): void {
    domain.state = "paused";
    domain.link.hold(true);
    this.announce(domain, "paused");
  }

  /** SHUTDOWN_suspend: the domain stops (paused, calls held) and waits to be saved. */
  suspend(domain: Domain): void {
    if (!domain.live) return;
    domain.suspended = true;
    if (domain.state === "running") this.pause(domain);
  }

  unpause(domain: Domain): void {
    domain.state = "running";
    this.announce(domain, "running");
    this.deps.serveHeld(domain);
    domain.link.hold(false);
  }

  /**
   * Destroys a domain: ends its link, then each part gives back what it held (ports, mappings,
   * frames, XenStore). Frames still mapped by others keep it a zombie until the last goes.
   */
  destroy(domain: Domain, reason: string): void {
    if (!domain.live) return;
    const { domains, memory, grants, events, faults, xenstore, logger } = this.deps;
    logger.info({ domid: domain.domid, reason }, "destroying domain");
    domain.state = "dying";
    clearTimeout(domain.leaseTimer);
    domain.link.end(reason);
    domain.link.settleAcked(); // its quarantined frames: it will never read them again
    events.relinquish(domain);
    grants.relinquish(domain);
    const stillMapped = memory.relinquish(domain);
    domain.xs?.close();
    domain.xs = undefined;
    faults.forget(domain.domid); // its rules die with it, not pass to the next holder of the id
    xenstore?.releaseDomain(domain.domid);
    const dom0 = domains.live(0);
    if (dom0) events.sendVirq(dom0, VIRQ.DOM_EXC);
    if (stillMapped > 0) {
      domain.state = "zombie";
      this.announce(domain, "zombie");
    } else {
      this.reap(domain);
    }
  }

  /** The domain is gone for good: out of the registry, dom0 told. */
  reap(domain: Domain): void {
    const { domains, events, logger } = this.deps;
    domains.remove(domain);
    this.announce(domain, "dead");
    const dom0 = domains.live(0);
    if (dom0 && dom0 !== domain) events.sendVirq(dom0, VIRQ.DOM_EXC);
    logger.info({ domid: domain.domid }, "domain released");
  }

  /** Starts the lease after a session drops; past it the domain dies. */
  startLease(domain: Domain): void {
    if (this.#closed) return; // sockets closing because the hypervisor stops start no lease
    clearTimeout(domain.leaseTimer);
    domain.leaseTimer = setTimeout(() => this.destroy(domain, "session lease expired"), this.deps.leaseMs);
  }

  /** The hypervisor stops: no lease runs out, every link closes. */
  close(): void {
    this.#closed = true;
    for (const domain of this.deps.domains.all()) {
      clearTimeout(domain.leaseTimer);
      domain.link.shutdown("hypervisor shutting down");
    }
  }
}

// The hypervisor: its configuration, the domains, and the parts Xen's common/ has — machine
// memory, grant tables, event channels, the domain lifecycle — each owning its operations
// (teardown only calls them). Plus the two primitives they share: the upcall path to a live
// domain, and timers the hypervisor owns. Single-threaded: each inbound frame runs to completion.
import { DOMID, type DomainStateName, type xen } from "@xenfs/proto";
import type { Counter, Logger } from "@xenfs/service-kit";
import type { XsBackend } from "@xenfs/xenstored";
import type { Domain } from "./domain/domain.js";
import { IncomingRestores } from "./domain/incoming.js";
import { Lifecycle } from "./domain/lifecycle.js";
import { DomainRegistry } from "./domain/registry.js";
import { Events } from "./event-channel/events.js";
import type { Faults } from "./faults/faults.js";
import { Grants } from "./grant-table/grants.js";
import { CopyToWrite } from "./memory/copy-to-write.js";
import { MachineMemory } from "./memory/machine-memory.js";
import { MemSharing } from "./memory/mem-sharing.js";
import type { MemoryFile } from "./memory/memory-file.js";
import type { SessionLimits } from "./session/limits.js";
import { Tracer } from "./trace/tracer.js";

export interface XenConfig {
  readonly totalFrames: number;
  /** Machine memory's bytes: the file domains on the shm transport open themselves. */
  readonly memory: MemoryFile;
  readonly clusterToken: string;
  readonly dom0Token: string;
  readonly leaseMs: number;
  readonly limits: SessionLimits;
  readonly faults: Faults;
  readonly xenstore: XsBackend | undefined;
  readonly logger: Logger;
  readonly counters: { readonly hypercalls: Counter; readonly evtchnSends: Counter };
  /** Called when crash_after fires; kills the process in production. */
  readonly crash: () => void;
  /** Serves the calls a paused domain queued (the envelope runner, wired by the composition root). */
  readonly serveHeld: (domain: Domain) => void;
}

const TRACE_STATE_AFTER_JOIN_MS = 100;

export class Xen {
  readonly domains = new DomainRegistry();
  readonly memory: MachineMemory;
  readonly grants: Grants;
  /** The Copy-To-Write fault (docs/design.md#copy-to-write). */
  readonly cow: CopyToWrite;
  readonly sharing: MemSharing;
  readonly events: Events;
  readonly lifecycle: Lifecycle;
  /** Restores under way here, which an attach for their domain waits for. */
  readonly restoring = new IncomingRestores();
  /** xentrace's buffers: off (one boolean) until someone subscribes to /api/trace. */
  readonly trace = new Tracer();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** This host's name (xl list's Host, the dashboard): set once the API listens. */
  hostName = "";

  constructor(readonly config: XenConfig) {
    const upcall = (domain: Domain, u: xen.Upcall.$Properties) => this.upcall(domain, u);
    this.memory = new MachineMemory({
      file: config.memory,
      domains: this.domains,
      upcall,
      onZombieEmpty: (domain) => this.lifecycle.reap(domain),
    });
    this.grants = new Grants({ domains: this.domains, memory: this.memory, upcall });
    this.cow = new CopyToWrite({ memory: this.memory, grants: this.grants, upcall });
    this.sharing = new MemSharing({ memory: this.memory, upcall });
    this.events = new Events(this.domains);
    this.lifecycle = new Lifecycle({
      domains: this.domains,
      memory: this.memory,
      grants: this.grants,
      events: this.events,
      faults: config.faults,
      xenstore: config.xenstore,
      logger: config.logger,
      leaseMs: config.leaseMs,
      upcall,
      serveHeld: config.serveHeld,
    });
    // Domains measure their own spans (XenFS requests) only while someone traces. Sent past
    // upcall(): the trace's own switch is not a record of it.
    this.trace.onToggle = (on) => {
      for (const domain of this.domains.all()) if (domain.live) domain.link.upcall({ traceState: { on } });
    };
  }

  get logger(): Logger {
    return this.config.logger;
  }

  /** The frame pool (machine memory's ledger). */
  get pool() {
    return this.memory.pool;
  }

  /** DOMID_SELF resolves to the caller. */
  resolve(caller: Domain, domid: number): number {
    return domid === DOMID.SELF ? caller.domid : domid;
  }

  upcall(domain: Domain, upcall: xen.Upcall.$Properties): void {
    if (this.trace.on) this.trace.upcall(domain.domid, upcall);
    if (domain.live) domain.link.upcall(upcall);
  }

  /** Tells dom0 (the toolstack) that another domain changed state. */
  announce(domain: Domain, state: DomainStateName): void {
    this.lifecycle.announce(domain, state);
    // A domain joining while someone traces learns it shortly after its join is answered (once
    // its process has set up what listens for the upcall).
    if (state === "running" && this.trace.on)
      this.later(TRACE_STATE_AFTER_JOIN_MS, () => {
        if (domain.live && this.trace.on) domain.link.upcall({ traceState: { on: true } });
      });
  }

  /** A timer the hypervisor owns (revoke deadlines); cleared on close. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.lifecycle.close();
  }
}

// The hypervisor's state and the mechanisms every hypercall shares: machine memory with
// coherence, the upcall path, event delivery, unmapping, and the domain lifecycle (pause,
// destroy, zombie, reap). Single-threaded: each inbound frame runs to completion.
import { DOMID, type DomainStateName, GTF, VIRQ, type xen } from "@xenfs/proto";
import type { Counter, Logger } from "@xenfs/service-kit";
import type { Domain } from "./domain/domain.js";
import { DomainRegistry } from "./domain/registry.js";
import type { Faults } from "./faults.js";
import { flagsBytes } from "./grant-table/entry.js";
import type { GrantMapping } from "./grant-table/maptrack.js";
import { type Frame, FramePool } from "./memory/frame-pool.js";
import type { MemoryFile } from "./memory/memory-file.js";
import { SocketCopies } from "./memory/socket-copies.js";
import type { SessionLimits } from "./session/limits.js";
import { WS_CLOSE } from "./session/session.js";
import type { XsBackend } from "./xenstore-port.js";

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

export class Xen {
  readonly pool: FramePool;
  readonly domains = new DomainRegistry();
  /** Frames socket domains copy, for shm writers' changes (see publishShmWrites). */
  readonly socketCopies = new SocketCopies();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(readonly config: XenConfig) {
    this.pool = new FramePool(config.memory);
  }

  get logger(): Logger {
    return this.config.logger;
  }

  /** DOMID_SELF resolves to the caller. */
  resolve(caller: Domain, domid: number): number {
    return domid === DOMID.SELF ? caller.domid : domid;
  }

  upcall(domain: Domain, upcall: xen.Upcall.$Properties): void {
    if (domain.live) domain.session.push({ kind: "upcall", upcall });
  }

  /** A timer the hypervisor owns (revoke deadlines); cleared on close. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  // ---- memory ----

  /**
   * Writes into a frame and queues a frame_update, at that domain's own gpfn, on every other
   * domain that keeps a copy: ahead of anything the writer does next (write, barrier, notify).
   * `writer` is undefined when Xen itself writes (GTF_reading, transfer results).
   */
  writeFrame(
    frame: Frame,
    offset: number,
    bytes: Uint8Array,
    writer?: { domid: number; gpfn: number },
  ): void {
    frame.write(offset, bytes);
    this.socketCopies.wrote(frame, offset, bytes);
    this.#sendUpdates(frame, offset, bytes, writer);
  }

  /**
   * Before any domain is served: what shm domains wrote in place since, into frames socket
   * domains copy, goes to those domains as frame_update. It is then ahead of the event an shm
   * writer's call may send, and ahead of the reply to a socket domain's call (its barrier: a
   * ring consumer re-checking the producer index after its own write must see it). Nothing to
   * do while no socket domain keeps copies or no shm domain lives.
   */
  publishShmWrites(): void {
    if (this.socketCopies.size === 0) return;
    if (!this.domains.all().some((d) => d.live && d.transport === "shm")) return;
    this.socketCopies.sync((frame, offset, data) => this.#sendUpdates(frame, offset, data));
  }

  #sendUpdates(
    frame: Frame,
    offset: number,
    bytes: Uint8Array,
    writer?: { domid: number; gpfn: number },
  ): void {
    for (const [domid, gpfns] of frame.cachers) {
      const holder = this.domains.live(domid);
      if (!holder) continue;
      for (const gpfn of gpfns) {
        if (writer && writer.domid === domid && writer.gpfn === gpfn) continue;
        this.upcall(holder, { frameUpdate: { gpfn, offset, data: bytes.slice() } });
      }
    }
  }

  /** Drops a domain's cached copy at `gpfn` (unmapped, freed or forgotten). */
  forget(domain: Domain, frame: Frame, gpfn: number): void {
    const gpfns = frame.cachers.get(domain.domid);
    if (!gpfns?.delete(gpfn)) return;
    if (gpfns.size === 0) frame.cachers.delete(domain.domid);
  }

  /** Drops one foreign pin; a frame nobody owns any more (or a zombie's) is freed at zero. */
  unpin(frame: Frame): void {
    this.pool.unpin(frame);
    if (frame.mapCount > 0) return;
    if (frame.owner === null) {
      this.pool.release(frame);
      return;
    }
    const owner = this.domains.get(frame.owner);
    if (owner?.state !== "zombie") return;
    owner.owned.delete(frame);
    this.pool.release(frame);
    if (owner.owned.size === 0) this.reap(owner);
  }

  /** Gives a frame back: freed now, or when the last foreign mapping of it goes. */
  releaseOwned(domain: Domain, frame: Frame): void {
    domain.owned.delete(frame);
    if (frame.mapCount === 0) this.pool.release(frame);
    else frame.owner = null;
  }

  // ---- grants ----

  /** Sets or clears GTF_reading/GTF_writing on the granter's entry, as Xen does while mapped. */
  updateGrantFlags(granter: Domain, ref: number): void {
    if (!granter.live || !granter.grantTable.validRef(ref)) return;
    const active = granter.grantTable.active.get(ref);
    const { frame, offset } = granter.grantTable.locate(ref);
    const old = granter.grantTable.entry(ref).flags;
    let flags = old & ~(GTF.reading | GTF.writing);
    if (active && active.readers + active.writers > 0) flags |= GTF.reading;
    if (active && active.writers > 0) flags |= GTF.writing;
    if (flags !== old) this.writeFrame(frame, offset, flagsBytes(flags));
  }

  /** Removes one mapping; `forced` also tells the mapper its copy is gone. */
  unmap(mapper: Domain, mapping: GrantMapping, forced: boolean): void {
    mapper.maptrack.delete(mapping.handle);
    mapper.p2m.delete(mapping.hostGpfn);
    this.forget(mapper, mapping.frame, mapping.hostGpfn);
    const granter = this.domains.get(mapping.granter);
    const active = granter?.grantTable.active.get(mapping.ref);
    if (granter && active) {
      if (mapping.readonly) active.readers--;
      else active.writers--;
      if (active.readers + active.writers === 0) granter.grantTable.active.delete(mapping.ref);
      this.updateGrantFlags(granter, mapping.ref);
    }
    if (forced) {
      this.upcall(mapper, {
        grantRevoke: { dom: mapping.granter, ref: mapping.ref, handle: mapping.handle, forced: true },
      });
      this.upcall(mapper, { frameInvalidate: { gpfn: mapping.hostGpfn } });
      if (mapper.transport === "shm" && mapper.live) {
        // Quarantine: an shm mapper reads the frame in place until it has processed the revoke,
        // so the pin stays (the frame cannot be freed and handed to another domain) until the
        // mapper acknowledges the frame carrying the upcall, or dies.
        mapper.session.afterAcked(() => this.unpin(mapping.frame));
        return;
      }
    }
    this.unpin(mapping.frame);
  }

  // ---- events ----

  /** evtchn_set_pending on `domain`'s `port`; raises an upcall on the 0→1 edge. */
  notify(domain: Domain, port: number): void {
    if (domain.evtchn.setPending(port)) domain.session.push({ kind: "events" });
  }

  sendVirq(domain: Domain, virq: number): void {
    const port = domain.evtchn.virqs.get(virq);
    if (port !== undefined && domain.live) this.notify(domain, port);
  }

  /** Closes a port; an interdomain peer goes back to unbound, waiting for the closer. */
  closePort(domain: Domain, port: number): void {
    const channel = domain.evtchn.get(port);
    if (channel?.state === "interdomain") {
      const peer = this.domains.get(channel.remoteDom);
      const peerEnd = peer?.evtchn.get(channel.remotePort);
      if (
        peer &&
        peerEnd?.state === "interdomain" &&
        peerEnd.remoteDom === domain.domid &&
        peerEnd.remotePort === port
      ) {
        peer.evtchn.set(channel.remotePort, { state: "unbound", remoteDom: domain.domid });
      }
    }
    domain.evtchn.free(port);
  }

  // ---- lifecycle ----

  /** Tells dom0 (the toolstack) that another domain changed state. */
  announce(domain: Domain, state: DomainStateName): void {
    const dom0 = this.domains.live(0);
    if (dom0 && dom0 !== domain) this.upcall(dom0, { domainState: { domid: domain.domid, state } });
  }

  pause(domain: Domain): void {
    domain.state = "paused";
    domain.session.hold(true);
    this.announce(domain, "paused");
  }

  unpause(domain: Domain): void {
    domain.state = "running";
    this.announce(domain, "running");
    this.config.serveHeld(domain);
    domain.session.hold(false);
  }

  /**
   * Destroys a domain: closes its session, ports and mappings, frees its frames. Frames still
   * mapped by others keep it a zombie until the last of those mappings goes.
   */
  destroy(domain: Domain, reason: string): void {
    if (!domain.live) return;
    this.logger.info({ domid: domain.domid, reason }, "destroying domain");
    domain.state = "dying";
    clearTimeout(domain.leaseTimer);
    domain.session.close(WS_CLOSE.normal, `domain destroyed: ${reason}`);
    domain.session.heldCalls.length = 0;
    domain.session.settleAcked(); // its quarantined frames: it will never read them again
    for (const [port] of [...domain.evtchn.entries()]) this.closePort(domain, port);
    for (const mapping of [...domain.maptrack.values()]) this.unmap(domain, mapping, false);
    for (const [gpfn, entry] of [...domain.p2m]) {
      domain.p2m.delete(gpfn);
      this.forget(domain, entry.frame, gpfn);
    }
    domain.grantTable.active.clear();
    domain.grantTable.frames.length = 0;
    for (const frame of [...domain.owned]) {
      if (frame.mapCount === 0) {
        domain.owned.delete(frame);
        this.pool.release(frame);
      }
    }
    domain.xs?.close();
    domain.xs = undefined;
    this.config.faults.replace(domain.domid, ""); // its rules die with it, not pass to the next holder of the id
    this.config.xenstore?.releaseDomain(domain.domid);
    const dom0 = this.domains.live(0);
    if (dom0) this.sendVirq(dom0, VIRQ.DOM_EXC);
    if (domain.owned.size > 0) {
      domain.state = "zombie";
      this.announce(domain, "zombie");
    } else {
      this.reap(domain);
    }
  }

  private reap(domain: Domain): void {
    this.domains.remove(domain);
    this.announce(domain, "dead");
    const dom0 = this.domains.live(0);
    if (dom0 && dom0 !== domain) this.sendVirq(dom0, VIRQ.DOM_EXC);
    this.logger.info({ domid: domain.domid }, "domain released");
  }

  /** Starts the lease after a session drops; past it the domain dies. */
  startLease(domain: Domain): void {
    if (this.closed) return; // sockets closing because the hypervisor stops start no lease
    clearTimeout(domain.leaseTimer);
    domain.leaseTimer = setTimeout(() => this.destroy(domain, "session lease expired"), this.config.leaseMs);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const domain of this.domains.all()) {
      clearTimeout(domain.leaseTimer);
      domain.session.close(WS_CLOSE.goingAway, "hypervisor shutting down");
    }
  }
}

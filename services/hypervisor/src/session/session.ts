// A domain's session: survives its WebSocket. Holds the outbound queue, the hypervisor's frame
// numbering and replay buffer (for resume), the highest call seq accepted (so no call runs
// twice), the queue of calls held while the domain is paused, and the per-session limits.
import type { Envelope, EnvelopeInit, xen } from "@xenfs/proto";
import type { Logger } from "@xenfs/service-kit";
import type { WebSocket } from "ws";
import type { DomainLink } from "../domain/link.js";
import type { Faults } from "../faults/faults.js";
import { FrameStage } from "../faults/frame-stage.js";
import { type SessionLimits, TokenBucket } from "./limits.js";
import { assemble, encodeOrShrink, type Outbound } from "./outbox.js";
import { ReplayBuffer } from "./replay-buffer.js";

export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unsupported: 1003,
  invalidData: 1007,
  policy: 1008,
  tooBig: 1009,
  superseded: 4000,
} as const;

export interface SessionDeps {
  readonly domid: number;
  readonly limits: SessionLimits;
  readonly faults: Faults;
  readonly logger: Logger;
  /** The guest's scan of pending & ~mask: returns the ports and clears their pending bits. */
  collectEvents(): number[];
  /** The domain's bound ports (interdomain and VIRQ): where a spurious event may fire. */
  boundPorts(): number[];
  /** An event_pending upcall is sent with these ports (the trace's record of it). */
  eventsSent?(ports: readonly number[], spurious: boolean): void;
}

/** A frame from the domain on its way through the faults of its direction ("from"). */
interface Inbound {
  readonly envelope: Envelope;
  readonly run: (envelope: Envelope) => void;
}

export class Session implements DomainLink {
  socket: WebSocket | undefined;
  /** Highest call seq accepted (served or queued to be served). */
  lastCallSeq = 0;
  /** Calls held while the domain is paused. */
  readonly heldCalls: Envelope[] = [];
  readonly bucket: TokenBucket;
  private outSeq = 0;
  private queue: Outbound[] = [];
  private held = false;
  private flushScheduled = false;
  private replay: ReplayBuffer;
  private readonly outbound: FrameStage<Uint8Array>;
  private readonly inbound: FrameStage<Inbound>;
  /** Calls that arrived ahead of a missing one (a frame dropped, delayed or reordered on the way). */
  private readonly early = new Map<number, Inbound>();
  /** Run once the domain acknowledges the frame that carries what was queued before them. */
  private readonly onAcked: { seq: number | undefined; run: () => void }[] = [];

  constructor(private readonly deps: SessionDeps) {
    this.replay = new ReplayBuffer(deps.limits);
    const rate = deps.domid === 0 ? 0 : deps.limits.ratePerSec;
    this.bucket = new TokenBucket(rate, deps.limits.burst);
    this.outbound = new FrameStage((bytes) => this.socket?.send(bytes, { binary: true }));
    this.inbound = new FrameStage((frame) => this.resequence(frame));
  }

  get limits(): SessionLimits {
    return this.deps.limits;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  push(item: Outbound): void {
    this.queue.push(item);
    if (this.flushScheduled) return;
    // Flushing after the current inbound frame is processed batches its upcalls.
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  upcall(upcall: xen.Upcall.$Properties): void {
    this.push({ kind: "upcall", upcall });
  }

  raiseEvents(): void {
    this.push({ kind: "events" });
  }

  end(reason: string): void {
    this.heldCalls.length = 0;
    this.close(WS_CLOSE.normal, `domain destroyed: ${reason}`);
  }

  shutdown(reason: string): void {
    this.close(WS_CLOSE.goingAway, reason);
  }

  /** Paused: nothing leaves the queue. Unpaused: everything held goes, in order. */
  hold(held: boolean): void {
    this.held = held;
    if (!held) this.flush();
  }

  /** Sends one reply now, ahead of anything held (−EBUSY while paused must not wait). */
  replyNow(replyTo: number, reply: xen.Reply.$Properties): void {
    this.emit([{ replyTo, reply }]);
  }

  flush(): void {
    if (this.held || this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    const { faults, domid } = this.deps;
    const spurious = faults.spuriousPorts(domid, () => this.deps.boundPorts());
    if (spurious.length > 0) {
      items.push({ kind: "upcall", upcall: { eventPending: { ports: spurious } } });
      this.deps.eventsSent?.(spurious, true);
    }
    const collect = () => {
      const ports = this.deps.collectEvents().filter((port) => !faults.loseEvent(domid, port));
      if (ports.length > 0) this.deps.eventsSent?.(ports, false);
      return ports;
    };
    this.emit(assemble(items, collect));
    for (const waiter of this.onAcked) waiter.seq ??= this.outSeq;
  }

  ack(seq: number): void {
    const acked = Math.min(seq, this.outSeq);
    this.replay.ack(acked);
    const due = this.onAcked.filter((w) => w.seq !== undefined && w.seq <= acked);
    if (due.length === 0) return;
    this.onAcked.splice(0, this.onAcked.length, ...this.onAcked.filter((w) => !due.includes(w)));
    for (const waiter of due) waiter.run();
  }

  /** Runs `run` once the domain has acknowledged everything queued so far (it has processed it). */
  afterAcked(run: () => void): void {
    this.onAcked.push({ seq: undefined, run });
  }

  /** The domain is gone: nothing more will be acknowledged, so every waiter runs now. */
  settleAcked(): void {
    for (const waiter of this.onAcked.splice(0)) waiter.run();
  }

  /**
   * A new session on the same domain (an attach): frames and calls numbered afresh, nothing
   * queued, held or kept for replay from before — the domain's process re-sends what it did not
   * see answered.
   */
  renew(): void {
    this.outSeq = 0;
    this.lastCallSeq = 0;
    this.queue = [];
    this.heldCalls.length = 0;
    this.replay = new ReplayBuffer(this.deps.limits);
    this.early.clear();
    this.settleAcked();
  }

  /** Frames after `lastSeq` for a resuming domain; undefined when they cannot all be replayed. */
  replayAfter(lastSeq: number): Uint8Array[] | undefined {
    return lastSeq > this.outSeq ? undefined : this.replay.after(lastSeq);
  }

  /** Attaches a (re)connected socket; an older socket is closed as superseded. */
  attach(socket: WebSocket): void {
    if (this.socket && this.socket !== socket)
      this.socket.close(WS_CLOSE.superseded, "superseded by a resumed session");
    this.socket = socket;
    // A new connection: what the old one held or delayed is replayed or re-sent instead.
    this.outbound.clear();
    this.inbound.clear();
    this.early.clear();
  }

  /** A partition: the socket goes without a close frame, as the heartbeat would end it. */
  cut(): void {
    this.socket?.terminate();
  }

  /**
   * A frame from the domain: through the faults of its direction, then to `run` (calls in seq
   * order while frames from the domain may be reordered). Nothing gets through a partition.
   */
  fromDomain(envelope: Envelope, run: (envelope: Envelope) => void): void {
    const { faults, domid } = this.deps;
    if (faults.partitioned(domid)) return;
    this.inbound.pass({ envelope, run }, faults.plan(domid, "from"));
  }

  detach(socket: WebSocket): boolean {
    if (this.socket !== socket) return false;
    this.socket = undefined;
    return true;
  }

  close(code: number, reason: string): void {
    this.socket?.close(code, reason);
    this.socket = undefined;
  }

  /** Writes raw frames (a resume's replay) straight to the socket, bypassing faults. */
  sendRaw(frames: readonly Uint8Array[]): void {
    for (const bytes of frames) this.socket?.send(bytes, { binary: true });
  }

  private emit(envelopes: readonly EnvelopeInit[]): void {
    for (const envelope of envelopes) {
      const seq = ++this.outSeq;
      const bytes = encodeOrShrink({ ...envelope, seq });
      this.replay.push(seq, bytes);
      this.transmit(bytes);
    }
  }

  private transmit(bytes: Uint8Array): void {
    const socket = this.socket;
    if (!socket) return; // kept in the replay buffer for a resume
    if (socket.bufferedAmount > this.deps.limits.maxBufferedBytes) {
      this.deps.logger.warn(
        { buffered: socket.bufferedAmount },
        "domain is not reading; closing its session",
      );
      this.close(WS_CLOSE.policy, "EBUSY: outbound buffer full, domain is not reading");
      return;
    }
    const { faults, domid } = this.deps;
    if (faults.partitioned(domid)) return; // kept in the replay buffer for the resume after the heal
    this.outbound.pass(bytes, faults.plan(domid));
  }

  /**
   * Calls run in seq order, always: a call dropped or delayed on its way (a fault rule, even one
   * cleared since) comes back only after the calls behind it, and must not find them accepted
   * past it — it would be refused as already accepted (EINVAL) and never run. libxen numbers a
   * session's calls without gaps, so a gap is only ever a call still to come.
   */
  private resequence(frame: Inbound): void {
    const { envelope } = frame;
    const isCall = envelope.body === "call" || envelope.body === "multicall";
    if (!isCall || envelope.seq <= this.lastCallSeq + 1) {
      frame.run(envelope);
    } else {
      this.early.set(envelope.seq, frame);
      // As many as libxen keeps in flight: beyond, the gap is a lost call; a resume re-sends it.
      if (this.early.size > this.deps.limits.maxInflight) this.cut();
      return;
    }
    for (let next = this.early.get(this.lastCallSeq + 1); next; next = this.early.get(this.lastCallSeq + 1)) {
      this.early.delete(this.lastCallSeq + 1);
      next.run(next.envelope);
    }
  }
}

/** The session behind a domain's link (the session layer's view of a domain). */
export function sessionOf(domain: { readonly domid: number; readonly link: DomainLink }): Session {
  if (!(domain.link instanceof Session)) throw new Error(`dom${domain.domid} has no hypercall session`);
  return domain.link;
}

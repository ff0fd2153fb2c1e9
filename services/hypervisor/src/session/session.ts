// A domain's session: survives its WebSocket. Holds the outbound queue, the hypervisor's frame
// numbering and replay buffer (for resume), the highest call seq accepted (so no call runs
// twice), the queue of calls held while the domain is paused, and the per-session limits.
import type { Envelope, EnvelopeInit, xen } from "@xenfs/proto";
import type { Logger } from "@xenfs/service-kit";
import type { WebSocket } from "ws";
import type { DomainLink } from "../domain/link.js";
import type { Faults } from "../faults.js";
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
  /** Run once the domain acknowledges the frame that carries what was queued before them. */
  private readonly onAcked: { seq: number | undefined; run: () => void }[] = [];

  constructor(private readonly deps: SessionDeps) {
    this.replay = new ReplayBuffer(deps.limits);
    const rate = deps.domid === 0 ? 0 : deps.limits.ratePerSec;
    this.bucket = new TokenBucket(rate, deps.limits.burst);
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
    this.emit(assemble(items, () => this.deps.collectEvents()));
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
    const plan = this.deps.faults.plan(this.deps.domid);
    if (plan.drop) return;
    const send = () => {
      for (let i = 0; i < plan.copies; i++) socket.send(bytes, { binary: true });
    };
    if (plan.delayMs > 0) setTimeout(send, plan.delayMs).unref();
    else send();
  }
}

/** The session behind a domain's link (the session layer's view of a domain). */
export function sessionOf(domain: { readonly domid: number; readonly link: DomainLink }): Session {
  if (!(domain.link instanceof Session)) throw new Error(`dom${domain.domid} has no hypercall session`);
  return domain.link;
}

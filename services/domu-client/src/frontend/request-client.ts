// The frontend's side of the request ring: unique ids, a pending table by id, requests held
// while the ring is full or the backend away, one push per batch, each response delivered once,
// re-issue after a reconnect, and a deadline on every request so a guest never hangs.
import { randomBytes } from "node:crypto";
import {
  FSIF_GEN_SPACE,
  FSIF_ID_SPACE,
  FSIF_SLOT_SIZE,
  type FsErrnoName,
  FsError,
  type FsErrorContext,
  type FsOkResponseOf,
  type FsOp,
  type FsRequest,
  type FsRequestOf,
  type FsResponse,
  fsRequestCodec,
} from "@xenfs/fsproto";
import type { TraceSpans } from "@xenfs/libxen";
import type { Consumed } from "@xenfs/ring";
import type { FsRingChannel } from "./channel.js";
import { FdLostError } from "./reconnected.js";

/** A request as the mount states it; the client adds the id. */
export type FsCall<K extends FsOp> = Omit<FsRequestOf<K>, "id">;

export interface CallOptions {
  /** Names the error the way Node's fs would (`syscall`, `path`). */
  readonly context?: FsErrorContext;
  /** The connection whose fd the request names: it fails with FdLostError on any other. */
  readonly epoch?: number;
}

export interface RequestClientOptions {
  /** How long a request may wait for its answer, reconnects included. */
  readonly deadlineMs: number;
  /** Called once per request made (not per re-issue). */
  readonly onRequest?: (op: FsOp) => void;
  readonly onError?: (error: Error) => void;
  /** The domain's trace spans (libxen): each request issued → answered, while someone traces. */
  readonly trace?: TraceSpans;
  /** The backend's domid, named in the spans. */
  readonly backendDomid?: number;
}

interface Pending {
  /** Marked `reissue` once it has been on a ring that went away. */
  request: FsRequest;
  readonly options: CallOptions;
  readonly resolve: (response: FsResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** queued: not on the ring; sent: on it; abandoned: timed out on it, its id kept until answered. */
  state: "queued" | "sent" | "abandoned";
}

/**
 * Where this client's connection generations start: random, so a restarted guest of the same name
 * does not reuse the (generation, id) pairs its predecessor's replies are cached under.
 */
function genBase(): number {
  return randomBytes(4).readUInt32LE(0);
}

export class RequestClient {
  readonly #pending = new Map<number, Pending>();
  readonly #queue: number[] = [];
  #channel: FsRingChannel | undefined;
  #live = false;
  #closed = false;
  #epoch = 0;
  readonly #genBase = genBase();
  #nextId = 0;
  #flushScheduled = false;
  /** Quiescing for a suspend: nothing new goes on the ring (docs/migration.md#xenfs-frontend). */
  #holding = false;
  #drained: (() => void) | undefined;
  /** The longest a request has waited for its answer since `resetLongestStall`, ms. */
  #longestStallMs = 0;

  constructor(private readonly options: RequestClientOptions) {}

  /** Counts connections: fds belong to the one they were opened on. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The current connection's number on the wire (`gen`): with the id, it names a request to dom0's reply cache. */
  get gen(): number {
    return (this.#genBase + this.#epoch) % FSIF_GEN_SPACE;
  }

  /** A new connection's ring: responses are taken from now on, requests once `connected()`. */
  attach(channel: FsRingChannel): void {
    this.detach();
    this.#holding = false;
    this.#epoch += 1;
    this.#channel = channel;
    channel.onResponses(() => {
      if (this.#channel === channel) this.#drain(channel);
    });
  }

  /** Both ends are Connected: send what waits, in the order it was asked. */
  connected(): void {
    if (!this.#channel) return;
    this.#live = true;
    this.#scheduleFlush();
  }

  /** The ring is gone. What was on it goes back to the queue, to be re-issued on the next one. */
  detach(): void {
    this.#live = false;
    this.#channel = undefined;
    const resend: number[] = [];
    for (const [id, pending] of this.#pending) {
      if (pending.state === "abandoned") this.#pending.delete(id);
      else if (pending.state === "sent") {
        // Same id and gen, flagged: dom0 answers it from its reply cache if it ran the first time.
        pending.state = "queued";
        pending.request = { ...pending.request, reissue: true };
        resend.push(id);
      }
    }
    this.#queue.unshift(...resend);
  }

  /**
   * Before a suspend: new requests wait in the queue, and this resolves once every request on the
   * ring is answered (true) or `timeoutMs` passed first (false: those go back to the queue on
   * `detach` and are re-issued on the next ring). The target's dom0 has not the source's reply
   * cache, so what is answered here is not run twice there.
   */
  async quiesce(timeoutMs: number): Promise<boolean> {
    this.#holding = true;
    if (!this.#onRing()) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<true>((resolve) => {
        this.#drained = () => resolve(true);
      }),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#drained = undefined;
    return drained;
  }

  /** The longest a request waited for its answer (reconnects included) since the last reset, ms. */
  get longestStallMs(): number {
    return this.#longestStallMs;
  }

  resetLongestStall(): void {
    this.#longestStallMs = 0;
  }

  #onRing(): boolean {
    for (const pending of this.#pending.values()) if (pending.state === "sent") return true;
    return false;
  }

  /** Fails every request and every later one with ENOTCONN. */
  close(): void {
    this.detach();
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#fail(id, "ENOTCONN");
  }

  call<K extends FsOp>(request: FsCall<K>, options: CallOptions = {}): Promise<FsOkResponseOf<K>> {
    if (this.#closed) return Promise.reject(new FsError("ENOTCONN", options.context));
    const id = this.#takeId();
    if (id === undefined) return Promise.reject(new FsError("EAGAIN", options.context));
    const full = { ...request, id, gen: this.gen } as FsRequest;
    try {
      // Encoded once now so a bad argument fails here, not when the ring takes it.
      fsRequestCodec.encode(full, new Uint8Array(FSIF_SLOT_SIZE));
    } catch {
      return Promise.reject(new FsError("EINVAL", options.context));
    }
    this.options.onRequest?.(request.op);
    const start = this.options.trace?.begin();
    const asked = performance.now();
    const answered = new Promise<FsResponse>((resolve, reject) => {
      const timer = setTimeout(
        // ETIMEDOUT either way: the backend did not answer in time, whether it is away or slow.
        () => this.#fail(id, "ETIMEDOUT"),
        this.options.deadlineMs,
      );
      this.#pending.set(id, { request: full, options, resolve, reject, timer, state: "queued" });
      this.#queue.push(id);
      this.#scheduleFlush();
    });
    const stalled = () => {
      this.#longestStallMs = Math.max(this.#longestStallMs, performance.now() - asked);
    };
    answered.then(stalled, stalled);
    if (start !== undefined) {
      const span = () =>
        this.options.trace?.end(start, request.op, id, this.options.backendDomid ?? 0, "front");
      answered.then(span, span);
    }
    return answered as Promise<FsOkResponseOf<K>>;
  }

  #takeId(): number | undefined {
    for (let tries = 0; tries < FSIF_ID_SPACE; tries++) {
      const id = this.#nextId;
      this.#nextId = (this.#nextId + 1) % FSIF_ID_SPACE;
      if (!this.#pending.has(id)) return id;
    }
    return undefined;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || !this.#live || this.#holding) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** Puts as many queued requests on the ring as it has room for, then one push for all. */
  #flush(): void {
    const channel = this.#channel;
    if (!channel || !this.#live || this.#holding) return;
    let produced = 0;
    try {
      while (this.#queue.length > 0 && !channel.ring.full()) {
        const id = this.#queue.shift() as number;
        const pending = this.#pending.get(id);
        if (pending?.state !== "queued") continue;
        if (pending.options.epoch !== undefined && pending.options.epoch !== this.#epoch) {
          this.#settle(id, pending);
          pending.reject(new FdLostError(pending.options.epoch));
          continue;
        }
        channel.ring.produceRequest(pending.request);
        pending.state = "sent";
        produced += 1;
      }
    } catch (error) {
      // A broken ring: nothing more goes on it; the deadlines answer what waits.
      this.options.onError?.(error as Error);
    }
    if (produced > 0) channel.push().catch((error: Error) => this.options.onError?.(error));
  }

  /** Takes every response on the ring; the channel does the final check before sleeping. */
  #drain(channel: FsRingChannel): void {
    try {
      for (let got = channel.ring.consumeResponse(); got; got = channel.ring.consumeResponse())
        this.#deliver(got);
    } catch (error) {
      this.options.onError?.(error as Error);
    }
    // Slots came free.
    this.#scheduleFlush();
  }

  #deliver(got: Consumed<FsResponse>): void {
    if (!got.ok) {
      // A response that does not decode: its request, if the id is readable, failed.
      const pending = got.rawId === undefined ? undefined : this.#pending.get(got.rawId);
      if (pending && pending.state !== "queued" && got.rawId !== undefined) this.#fail(got.rawId, "EIO");
      return;
    }
    const response = got.value;
    const pending = this.#pending.get(response.id);
    // Not on the ring, or answered for another op: a duplicate or a stray, ignored.
    if (!pending || pending.state === "queued") return;
    if (response.op !== null && response.op !== pending.request.op) return;
    this.#settle(response.id, pending);
    if (pending.state === "abandoned") return;
    if (response.ok) pending.resolve(response);
    else pending.reject(new FsError(response.code, pending.options.context));
  }

  #fail(id: number, code: FsErrnoName): void {
    const pending = this.#pending.get(id);
    if (!pending || pending.state === "abandoned") return;
    if (pending.state === "sent" && this.#live) {
      // Still owed a response on this ring: keep the id so a late answer is not taken for another.
      clearTimeout(pending.timer);
      pending.state = "abandoned";
      if (this.#drained && !this.#onRing()) this.#drained();
    } else this.#settle(id, pending);
    pending.reject(new FsError(code, pending.options.context));
  }

  #settle(id: number, pending: Pending): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    if (this.#drained && !this.#onRing()) this.#drained();
  }
}

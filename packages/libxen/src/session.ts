// One domain's hypervisor session: join, sequenced calls, in-order processing of every
// hypervisor frame, acks, and resume after a dropped socket or a lost frame.
import { EventEmitter } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import {
  DEFAULT_WIRE_LIMITS,
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  hypercallOp,
  SCHEDOP,
  SHUTDOWN,
  type UpcallKind,
  type WireLimits,
} from "@xenfs/proto";
import { crashProcess } from "@xenfs/service-kit";
import WebSocket from "ws";
import { XenError } from "./errors.js";
import { InboundOrder } from "./inbound-order.js";
import { backoffDelay, RESUME_BACKOFF } from "./incarnation/backoff.js";
import { SILENT_LOGGER, type XenLogger } from "./logger.js";
import { type Batch, type CallHooks, MulticallBatcher } from "./multicall.js";
import { ProcessFaults } from "./process-faults.js";
import type { MemoryPlace, MemoryTransport } from "./shared-memory.js";
import { type Hypercall, type Reply, type Upcall, upcallKind } from "./wire.js";

export interface XenSessionOptions {
  /** `ws://host:port/hypercall` */
  url: string;
  /** `XEN_CLUSTER_TOKEN` for a guest, `XEN_DOM0_TOKEN` for dom0. */
  token: string;
  name: string;
  /** Reservation asked for; the hypervisor's default when absent. */
  maxFrames?: number;
  logger?: XenLogger;
  /** How often XenDomain reports the process's Rss/Pss (memory_report); 0 = never. Default 2000. */
  memoryReportMs?: number;
  /** A call unanswered this long is taken for a lost frame and the session resumes. */
  callTimeoutMs?: number;
  limits?: WireLimits;
  /**
   * How this domain reaches machine memory (XEN_MEMORY_TRANSPORT): "shm" (default) reads and
   * writes frames in place in the host's memory file, falling back to "socket" when it cannot
   * open it; "socket" sends every load and store to the hypervisor.
   */
  memoryTransport?: MemoryTransport;
  /**
   * What a crash fault does (docs/faults.md): by default the process dies at once (SIGKILL).
   * In-process tests record the reason instead; the call that met the rule then fails.
   */
  crash?: (reason: string) => void;
  /** How long a suspended domain waits to be restored before the session is lost. Default 120 s. */
  suspendMs?: number;
}

export interface SessionEvents {
  /** A failure nobody awaits: a queued write refused, a frame that did not decode. */
  error: [error: Error];
  /** The lease ran out (or the hypervisor refused the resume): the domain is gone. */
  lost: [error: XenError];
  resumed: [info: { lastCallSeq: number }];
  /** The domain was restored (or migrated) and this process took it up again: a new domid. */
  attached: [info: { domid: number; previous: number }];
  /** The connection was lost; the session is resuming (or, under Remus, failing over). */
  dropped: [];
}

/** Runs after an attach, before the calls queued while suspended are sent again. */
export type AttachHook = () => Promise<void>;

export type UpcallBody<K extends UpcallKind> = NonNullable<Upcall[K]>;
export type UpcallListener<K extends UpcallKind> = (body: UpcallBody<K>) => void;

const DEFAULT_CALL_TIMEOUT_MS = 5_000;
/** Ack once this many hypervisor frames are unacknowledged (and on every housekeeping tick). */
const ACK_EVERY = 64;
/** How long close() waits for SCHEDOP_shutdown's answer before closing the socket anyway. */
const CLOSE_SHUTDOWN_WAIT_MS = 1_000;
/** Frames held while waiting for a missing one; beyond this the session resumes at once. */
const EARLY_LIMIT = 1_024;

type State = "connecting" | "open" | "resuming" | "suspended" | "attaching" | "closed" | "lost";

/** Remus: the longest wait between attempts once the connection dropped (docs/remus.md#failover). */
const FAILOVER_RETRY_MS = 100;

/** How long a suspended domain waits to be restored somewhere before it gives up. */
const DEFAULT_SUSPEND_MS = 120_000;

interface Inflight {
  readonly batch: Batch;
  readonly bytes: Uint8Array;
  sentAt: number;
}

interface Handshake {
  readonly seq: number;
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

export class XenSession extends EventEmitter<SessionEvents> {
  readonly #options: XenSessionOptions;
  readonly #logger: XenLogger;
  readonly #callTimeoutMs: number;
  readonly #upcalls = new Map<UpcallKind, Set<(body: never) => void>>();
  /** Calls sent (or waiting to be) and not answered, in seq order. */
  readonly #inflight = new Map<number, Inflight>();
  readonly #inbound = new InboundOrder<Envelope>();
  #limits: WireLimits;
  #batcher: MulticallBatcher;
  #ws: WebSocket | undefined;
  #state: State = "connecting";
  #handshake: Handshake | undefined;
  #domid = -1;
  #sessionKey: Uint8Array = new Uint8Array(0);
  #leaseMs = 0;
  #maxFrames = 0;
  #memoryPlace: MemoryPlace | undefined;
  /** The memory transport an attach names (Memory says which it is on). */
  #attachTransport: () => MemoryTransport | undefined = () => undefined;
  /** From the last attach's answer: the domain's own frames, gpfn → mfn (docs/migration.md#attach). */
  #attachedFrames: Map<number, number> | undefined;
  #nextSeq = 1;
  #lastAcked = 0;
  #droppedAt = 0;
  #attempt = 0;
  #endError: Error | undefined;
  /** The hypervisor this domain is on (another host's after a migration). */
  #url: string;
  /** Where the domain will be restored after a suspend: the target's hypervisor when migrating. */
  #attachUrl: string | undefined;
  /** Where it was suspended: a failed migration restores it there. */
  #fallbackUrl: string | undefined;
  #suspendedAt = 0;
  #attachBusy = false;
  #attachRetry: number | undefined;
  #attachHooks: AttachHook[] = [];
  /** Remus: the backup's hypercall URL, where the domain is activated if its host dies. */
  #failoverUrl: string | undefined;
  readonly #housekeeping: NodeJS.Timeout;
  /** The crash rules this domain's process applies: its own XEN_FAULTS, or set on it at run time. */
  readonly processFaults = new ProcessFaults();

  private constructor(options: XenSessionOptions) {
    super();
    this.#options = options;
    this.#url = options.url;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.#limits = options.limits ?? DEFAULT_WIRE_LIMITS;
    this.#batcher = new MulticallBatcher((batch) => this.#dispatch(batch), this.#limits);
    const tick = Math.min(1_000, Math.max(20, this.#callTimeoutMs / 4));
    this.#housekeeping = setInterval(() => this.#tick(), tick).unref();
    this.onUpcall("processFaults", ({ spec }) => {
      this.processFaults.set(spec ?? "");
      this.#logger.warn({ domid: this.#domid, spec }, "crash faults set on this domain's process");
    });
  }

  /** Connects, presents the token and becomes a domain. */
  static async join(options: XenSessionOptions): Promise<XenSession> {
    const session = new XenSession(options);
    try {
      await session.#join();
    } catch (error) {
      session.#end(error as Error, "closed");
      throw error;
    }
    return session;
  }

  get domid(): number {
    return this.#domid;
  }
  get name(): string {
    return this.#options.name;
  }
  /** The logger this session was given; code acting for the domain (xenbus devices) logs through it. */
  get logger(): XenLogger {
    return this.#logger;
  }
  get leaseMs(): number {
    return this.#leaseMs;
  }
  get maxFrames(): number {
    return this.#maxFrames;
  }
  /** Where the hypervisor keeps machine memory (undefined when it named no file). */
  get memoryPlace(): MemoryPlace | undefined {
    return this.#memoryPlace;
  }
  get memoryReportMs(): number | undefined {
    return this.#options.memoryReportMs;
  }
  get connected(): boolean {
    return this.#state === "open";
  }

  /** Issues a hypercall; calls issued in the same tick share one frame. Rejects with XenError. */
  call(call: Hypercall, hooks?: CallHooks): Promise<Reply> {
    if (this.#endError) return Promise.reject(this.#endError);
    // A plain object names its op by its one key (hypercallOp reads a decoded message's oneof).
    const op = hypercallOp(call) ?? Object.keys(call).find((key) => call[key as keyof Hypercall] != null);
    const crash = op === undefined ? undefined : this.processFaults.count(op);
    if (crash !== undefined) {
      (this.#options.crash ?? crashProcess)(`dom${this.#domid} ${this.name}: ${crash}`);
      return Promise.reject(XenError.errno("EIO", op ?? "call", `crash fault: ${crash}`));
    }
    return this.#batcher.submit(call, hooks);
  }

  /** Listens to one upcall kind. Listeners run in frame order, synchronously, before later frames. */
  onUpcall<K extends UpcallKind>(kind: K, listener: UpcallListener<K>): () => void {
    let set = this.#upcalls.get(kind);
    if (!set) {
      set = new Set();
      this.#upcalls.set(kind, set);
    }
    const entry = listener as (body: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  /**
   * SCHEDOP_shutdown(SHUTDOWN_suspend): the domain stops here and waits to be saved. Calls issued
   * from now on are kept, not sent; once the hypervisor has closed the old domain, the session
   * attaches to the restored one (at `attachUrl`, else the same hypervisor) and sends them
   * (docs/migration.md#attach).
   */
  async suspend(attachUrl?: string): Promise<void> {
    this.#attachUrl = attachUrl ?? this.#url;
    this.#fallbackUrl = this.#url;
    await this.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: SHUTDOWN.suspend } });
    if (this.#state !== "open") return;
    this.#state = "suspended";
    this.#suspendedAt = Date.now();
    this.#logger.info({ domid: this.#domid, attachUrl }, "suspended");
    // A migration: the target answers an attach when its restore ends (it waits for it), so the
    // process goes now, not when the source closes the old domain after the target answered
    // xl — that round trip was downtime (docs/migration.md#downtime).
    if (attachUrl !== undefined && attachUrl !== this.#fallbackUrl) this.#attachSoon(0);
  }

  /**
   * Remus protects this domain (docs/remus.md#failover): when the connection drops, resume
   * attempts at this hypervisor alternate with attaches at `url`, the backup's, where the domain
   * is activated from its last committed checkpoint if this host died. undefined: no longer.
   */
  setFailover(url: string | undefined): void {
    this.#failoverUrl = url;
  }

  /** Where the hypervisor is now (after a migration, the target's). */
  get url(): string {
    return this.#url;
  }

  /** Runs `hook` after each attach, before the calls queued while suspended are sent again. */
  onAttach(hook: AttachHook): void {
    this.#attachHooks.push(hook);
  }

  /** Emits 'error' when someone listens, else logs: a fire-and-forget failure never crashes. */
  reportError(error: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else this.#logger.warn({ err: error, domid: this.#domid }, "unobserved hypercall failure");
  }

  /** Ends the session; unanswered calls reject with `ENOTCONN`. */
  /** Ends the domain (SCHEDOP_shutdown, so it is released now, not when its lease runs out) and the socket. */
  async close(): Promise<void> {
    if (this.#state === "open") {
      const shutdown = this.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: SHUTDOWN.poweroff } });
      const settled = shutdown.then(
        () => undefined,
        () => undefined, // already gone, or paused: the lease ends it instead
      );
      await Promise.race([settled, delay(CLOSE_SHUTDOWN_WAIT_MS, undefined, { ref: false })]);
    }
    const ws = this.#ws;
    this.#ws = undefined; // closed gracefully below, not terminated by #end
    this.#end(XenError.errno("ENOTCONN", "session", "session closed"), "closed");
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 1_000).unref();
      ws.once("close", () => {
        clearTimeout(force);
        resolve();
      });
      ws.close(1000, "session closed");
    });
  }

  async #join(): Promise<void> {
    const { token, name, maxFrames } = this.#options;
    const reply = await this.#handshakeOn(this.#connect(), this.#nextSeq++, {
      join: { token, name, maxFrames: maxFrames ?? 0 },
    });
    const result = reply.join;
    if (!result) throw XenError.errno("EBADMSG", "join", "reply carries no join result");
    this.#domid = result.domid ?? 0;
    this.#sessionKey = result.sessionKey ?? new Uint8Array(0);
    this.#leaseMs = result.leaseMs ?? 0;
    this.#maxFrames = result.maxFrames ?? 0;
    if (result.memoryPath) {
      this.#memoryPlace = {
        path: result.memoryPath,
        frames: result.memoryFrames ?? 0,
        ino: Number(result.memoryIno ?? 0),
      };
    }
    if (result.maxPayload && result.maxPayload < this.#limits.maxFrameBytes) {
      this.#limits = { ...this.#limits, maxFrameBytes: result.maxPayload };
      this.#batcher = new MulticallBatcher((batch) => this.#dispatch(batch), this.#limits);
    }
    this.#state = "open";
    this.#logger.info({ domid: this.#domid, leaseMs: this.#leaseMs }, "joined");
  }

  #connect(url = this.#options.url): WebSocket {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: this.#limits.maxFrameBytes,
    });
    this.#ws = ws;
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (ws === this.#ws) this.#onMessage(data, isBinary);
    });
    ws.on("error", (error) => this.#logger.debug({ err: error, domid: this.#domid }, "socket error"));
    ws.on("close", (code, reason) => {
      if (ws !== this.#ws) return;
      const closed = XenError.errno("ENOTCONN", "session", `socket closed (${code} ${reason})`);
      // During join or resume the handshake's owner decides what comes next.
      if (this.#handshake) this.#handshake.reject(closed);
      else if (this.#state === "open" || this.#state === "resuming") this.#drop(closed.message);
      else if (this.#state === "suspended") this.#attachSoon(0);
    });
    return ws;
  }

  /** Sends the first frame of a connection (join or resume) and waits for its reply. */
  #handshakeOn(ws: WebSocket, seq: number, call: Hypercall): Promise<Reply> {
    const op = call.join ? "join" : call.attach ? "attach" : "resume";
    return new Promise<Reply>((resolve, reject) => {
      // The reply itself may be lost to a fault: give up on this connection after a while.
      const timer = setTimeout(() => {
        this.#handshake?.reject(XenError.errno("ETIMEDOUT", "session", `no reply to ${op}`));
      }, this.#callTimeoutMs).unref();
      this.#handshake = {
        seq,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          this.#handshake = undefined;
          reject(error);
        },
      };
      ws.once("open", () => ws.send(encodeEnvelope({ seq, call }, this.#limits)));
    }).then((reply) => {
      if (reply.status) throw XenError.fromStatus(op, reply.status, reply.code, reply.message);
      return reply;
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    let envelope: Envelope;
    try {
      if (!isBinary) throw XenError.errno("EBADMSG", "session", "text frame from the hypervisor");
      envelope = decodeEnvelope(data, this.#limits);
    } catch (error) {
      // The frame's seq is unknown; if it mattered, the gap it leaves makes the session resume.
      this.reportError(error as Error);
      return;
    }
    this.#receive(envelope);
  }

  /** Processes hypervisor frames strictly in seq order, once each. */
  #receive(envelope: Envelope): void {
    let ready: Envelope[];
    if (this.#isHandshakeReply(envelope)) {
      // Answered at once, wherever it falls among replayed frames; its seq only fills its place.
      this.#completeHandshake(envelope);
      ready = envelope.seq === 0 ? [] : this.#inbound.skip(envelope.seq);
    } else if (envelope.seq === 0) {
      ready = [envelope];
    } else {
      ready = this.#inbound.accept(envelope.seq, envelope);
    }
    for (const frame of ready) this.#process(frame);
    if (this.#inbound.held > EARLY_LIMIT) this.#drop(`frame ${this.#inbound.lastSeen + 1} missing`);
    else if (this.#inbound.lastSeen - this.#lastAcked >= ACK_EVERY) this.#ack();
  }

  #process(envelope: Envelope): void {
    switch (envelope.body) {
      case "reply":
      case "multicallReply":
        this.#onReply(envelope);
        return;
      case "upcalls":
        for (const upcall of envelope.upcalls?.upcalls ?? []) this.#dispatchUpcall(upcall);
        return;
      default:
        this.reportError(XenError.errno("EBADMSG", "session", `unexpected ${envelope.body} frame`));
    }
  }

  #isHandshakeReply(envelope: Envelope): boolean {
    return this.#handshake !== undefined && envelope.replyTo === this.#handshake.seq && !!envelope.reply;
  }

  #completeHandshake(envelope: Envelope): void {
    const handshake = this.#handshake;
    this.#handshake = undefined;
    if (handshake && envelope.reply) handshake.resolve(envelope.reply);
  }

  #onReply(envelope: Envelope): void {
    const inflight = this.#inflight.get(envelope.replyTo);
    if (inflight) {
      this.#inflight.delete(envelope.replyTo);
      inflight.batch.settle(envelope);
    } else if (envelope.reply?.status) {
      const { status, code, message } = envelope.reply;
      this.reportError(XenError.fromStatus("session", status, code, message));
    }
  }

  #dispatchUpcall(upcall: Upcall): void {
    const kind = upcallKind(upcall);
    const body = kind && upcall[kind];
    if (!kind || !body) return;
    for (const listener of this.#upcalls.get(kind) ?? []) {
      try {
        (listener as (body: unknown) => void)(body);
      } catch (error) {
        this.reportError(error as Error);
      }
    }
  }

  #dispatch(batch: Batch): void {
    if (this.#endError) {
      batch.fail(this.#endError);
      return;
    }
    // A call that cannot be encoded takes no seq: the hypervisor runs calls in seq order and
    // would wait for a gap forever.
    const seq = this.#nextSeq;
    let bytes: Uint8Array;
    try {
      bytes = batch.encode(seq, this.#limits);
    } catch (error) {
      batch.fail(error as Error);
      return;
    }
    this.#nextSeq++;
    this.#inflight.set(seq, { batch, bytes, sentAt: Date.now() });
    if (this.#state === "open") this.#ws?.send(bytes);
  }

  #ack(): void {
    if (this.#state !== "open" || this.#inbound.lastSeen === this.#lastAcked) return;
    this.#lastAcked = this.#inbound.lastSeen;
    this.#ws?.send(encodeEnvelope({ seq: 0, ack: { lastSeq: this.#inbound.lastSeen } }, this.#limits));
  }

  #tick(): void {
    if (this.#state !== "open") return;
    const now = Date.now();
    const oldest = this.#inflight.values().next().value;
    const gapSince = this.#inbound.gapSince;
    if (oldest && now - oldest.sentAt > this.#callTimeoutMs) this.#drop("call unanswered");
    else if (gapSince !== undefined && now - gapSince > this.#callTimeoutMs / 2) {
      this.#drop(`frame ${this.#inbound.lastSeen + 1} missing`);
    } else this.#ack();
  }

  /** The connection is unusable: leave it and resume on a new one. */
  #drop(reason: string): void {
    if (this.#state !== "open" && this.#state !== "resuming") return;
    this.#logger.warn({ domid: this.#domid, reason }, "session dropped; resuming");
    const wasOpen = this.#state === "open";
    if (wasOpen) {
      this.#droppedAt = Date.now();
      this.#attempt = 0;
    }
    this.#state = "resuming";
    this.#discardSocket();
    if (wasOpen) this.emit("dropped");
    // The first attempt goes at once; later ones wait RESUME_BACKOFF's delays.
    const attempt = this.#attempt++;
    const protectedByRemus = this.#failoverUrl !== undefined;
    let wait = attempt === 0 ? 0 : backoffDelay(RESUME_BACKOFF, attempt);
    // Remus: every other attempt is an attach at the backup, which activates the domain one
    // heartbeat after the primary died: tried often, so the guest is there soon after.
    if (protectedByRemus) wait = Math.min(wait, FAILOVER_RETRY_MS);
    const failover = protectedByRemus && attempt % 2 === 1;
    // Not unref'd: a process whose session is between attempts must not exit for want of work.
    setTimeout(() => void (failover ? this.#failover() : this.#resume()), wait);
  }

  /** Remus: takes up the domain the backup activated, if it did (else the drop goes on). */
  async #failover(): Promise<void> {
    const url = this.#failoverUrl;
    if (this.#state !== "resuming" || !url) return;
    const lastSeen = this.#inbound.lastSeen;
    const lastAcked = this.#lastAcked;
    this.#inbound.restart();
    this.#lastAcked = 0;
    let reply: Reply;
    try {
      reply = await this.#handshakeOn(this.#connect(url), 0, {
        attach: this.#attachArgs(),
      });
    } catch (error) {
      // Not activated there (EACCES: the primary may only have dropped the connection), or down.
      this.#inbound.restart(lastSeen);
      this.#lastAcked = lastAcked;
      this.#drop(`failover: ${(error as Error).message}`);
      return;
    }
    const result = reply.join;
    if (this.#state !== "resuming" || !result) return;
    this.#failoverUrl = undefined;
    // Calls sent to the dead primary may or may not have run there: they all go again.
    await this.#adopt(url, result);
  }

  async #resume(): Promise<void> {
    if (this.#state !== "resuming") return;
    if (this.#leaseMs > 0 && Date.now() - this.#droppedAt > this.#leaseMs) {
      this.#lose(XenError.errno("ESRCH", "resume", "session lease expired; the domain is gone"));
      return;
    }
    let reply: Reply;
    try {
      reply = await this.#handshakeOn(this.#connect(this.url), 0, {
        resume: { domid: this.#domid, sessionKey: this.#sessionKey, lastSeq: this.#inbound.lastSeen },
      });
    } catch (error) {
      if (error instanceof XenError && error.op === "resume") {
        const why = `hypervisor refused the resume (${error.code}); the domain is gone`;
        this.#lose(XenError.errno("ESRCH", "resume", why, { cause: error }));
      } else this.#drop((error as Error).message);
      return;
    }
    if (this.#state !== "resuming") return;
    const lastCallSeq = reply.resume?.lastCallSeq ?? 0;
    this.#state = "open";
    this.#attempt = 0;
    const now = Date.now();
    for (const [seq, inflight] of this.#inflight) {
      if (seq <= lastCallSeq) continue;
      inflight.sentAt = now;
      this.#ws?.send(inflight.bytes);
    }
    this.#logger.info(
      { domid: this.#domid, lastCallSeq, lastSeen: this.#inbound.lastSeen },
      "session resumed",
    );
    this.emit("resumed", { lastCallSeq });
  }

  /** One attach attempt at a time: a refused attempt's socket also closes, and must not start another. */
  #attachSoon(attempt: number): void {
    if (this.#attachBusy) return;
    this.#attachBusy = true;
    this.#discardSocket();
    const wait = attempt === 0 ? 0 : backoffDelay(RESUME_BACKOFF, attempt);
    setTimeout(() => {
      void this.#attach(attempt).finally(() => {
        this.#attachBusy = false;
        if (this.#attachRetry !== undefined) {
          const next = this.#attachRetry;
          this.#attachRetry = undefined;
          this.#attachSoon(next);
        }
      });
    }, wait);
  }

  /** Takes up the restored domain: a fresh session on its hypervisor, the queued calls renumbered. */
  async #attach(attempt: number): Promise<void> {
    if (this.#state !== "suspended") return;
    const limitMs = this.#options.suspendMs ?? DEFAULT_SUSPEND_MS;
    if (Date.now() - this.#suspendedAt > limitMs) {
      this.#lose(XenError.errno("ESRCH", "attach", `not restored within ${limitMs} ms; the domain is gone`));
      return;
    }
    let reply: Reply;
    this.#inbound.restart();
    this.#lastAcked = 0;
    // Migrating: the target first, then (every other attempt) where it was, should that fail.
    const target = this.#attachUrl ?? this.#url;
    const url = attempt % 2 === 1 && this.#fallbackUrl ? this.#fallbackUrl : target;
    try {
      reply = await this.#handshakeOn(this.#connect(url), 0, {
        attach: this.#attachArgs(),
      });
    } catch (error) {
      // Not restored yet (EACCES), or the target is not up: try again.
      this.#logger.debug({ err: error, attempt }, "attach refused; retrying");
      if (this.#state === "suspended") this.#attachRetry = attempt + 1;
      return;
    }
    const result = reply.join;
    if (this.#state !== "suspended" || !result) return;
    await this.#adopt(url, result);
  }

  /** Which memory transport an attach names: the one the domain's memory is on. */
  setAttachTransport(transport: () => MemoryTransport | undefined): void {
    this.#attachTransport = transport;
  }

  /**
   * The last attach's own frames, gpfn → mfn, once (undefined when the hypervisor named none):
   * where they are now, without a mem_translate each.
   */
  takeAttachedFrames(): Map<number, number> | undefined {
    const frames = this.#attachedFrames;
    this.#attachedFrames = undefined;
    return frames;
  }

  #attachArgs(): NonNullable<Hypercall["attach"]> {
    const transport = this.#attachTransport();
    return { name: this.#options.name, sessionKey: this.#sessionKey, ...(transport ? { transport } : {}) };
  }

  /** The domain at `url` is this process's now: a fresh session, the calls kept sent again. */
  async #adopt(url: string, result: NonNullable<Reply["join"]>): Promise<void> {
    const previous = this.#domid;
    this.#url = url;
    this.#attachUrl = undefined;
    this.#fallbackUrl = undefined;
    this.#domid = result.domid ?? 0;
    this.#leaseMs = result.leaseMs ?? this.#leaseMs;
    this.#memoryPlace = result.memoryPath
      ? { path: result.memoryPath, frames: result.memoryFrames ?? 0, ino: Number(result.memoryIno ?? 0) }
      : undefined;
    const gpfns = result.ownGpfns ?? [];
    const mfns = result.ownMfns ?? [];
    this.#attachedFrames =
      gpfns.length > 0 && gpfns.length === mfns.length
        ? new Map(gpfns.map((gpfn, i) => [gpfn, mfns[i] as number]))
        : undefined;
    // The new session numbers calls afresh above 0; the queued ones go after the hooks' calls.
    const queued = [...this.#inflight.values()].map((i) => i.batch);
    this.#inflight.clear();
    this.#nextSeq = 1;
    this.#state = "open";
    this.#logger.info(
      { domid: this.#domid, previous, queued: queued.length },
      "attached to the restored domain",
    );
    for (const hook of this.#attachHooks) {
      try {
        await hook();
      } catch (error) {
        this.reportError(error as Error);
      }
    }
    for (const batch of queued) this.#dispatch(batch);
    this.emit("attached", { domid: this.#domid, previous });
  }

  #lose(error: XenError): void {
    this.#logger.error({ domid: this.#domid, err: error }, "session lost");
    this.#end(error, "lost");
    this.emit("lost", error);
  }

  #end(error: Error, state: "closed" | "lost"): void {
    if (this.#endError) return;
    this.#endError = error;
    this.#state = state;
    clearInterval(this.#housekeeping);
    this.#handshake?.reject(error);
    this.#handshake = undefined;
    const inflight = [...this.#inflight.values()];
    this.#inflight.clear();
    for (const { batch } of inflight) batch.fail(error);
    this.#discardSocket();
  }

  #discardSocket(): void {
    const ws = this.#ws;
    this.#ws = undefined;
    this.#inbound.reset();
    if (!ws) return;
    ws.removeAllListeners("message");
    ws.removeAllListeners("close");
    ws.terminate();
  }
}

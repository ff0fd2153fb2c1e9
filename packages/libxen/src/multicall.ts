// Transparent HYPERVISOR_multicall: every call issued in the same tick leaves in one frame, in
// issue order, and each caller gets its own reply (a failed entry rejects only its caller).
import { type HypercallOp, hypercallOp, WireError, type WireLimits, xen } from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { Hypercall, Reply } from "./wire.js";

/** Synchronous hooks run while the reply's frame is processed, before any later frame. */
export interface CallHooks {
  onReply?(reply: Reply): void;
  onFail?(error: Error): void;
}

/** Bytes a call adds to a multicall beyond its own encoding: field tag and length varint. */
const ENTRY_OVERHEAD = 6;
/** Envelope seq, reply_to and the multicall's own tag and length. */
const ENVELOPE_OVERHEAD = 24;

export class PendingCall {
  readonly op: HypercallOp;
  readonly size: number;
  /** The call encoded once, when issued: the frame is assembled from these bytes. */
  readonly bytes: Uint8Array;
  readonly promise: Promise<Reply>;
  #resolve!: (reply: Reply) => void;
  #reject!: (error: Error) => void;

  constructor(
    readonly call: Hypercall,
    private readonly hooks: CallHooks = {},
  ) {
    // A plain object has no oneof getter; the message class tells which op is set.
    const op = hypercallOp(xen.Hypercall.create(call));
    if (op === undefined) throw XenError.errno("EINVAL", "hypercall", "no op set");
    this.op = op;
    this.bytes = xen.Hypercall.encode(call).finish();
    this.size = this.bytes.length + ENTRY_OVERHEAD;
    this.promise = new Promise<Reply>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  settle(reply: Reply): void {
    try {
      this.hooks.onReply?.(reply);
    } catch (error) {
      this.#reject(error as Error);
      return;
    }
    const status = reply.status ?? 0;
    if (status === 0) this.#resolve(reply);
    else this.#reject(XenError.fromStatus(this.op, status, reply.code, reply.message));
  }

  fail(error: Error): void {
    this.hooks.onFail?.(error);
    this.#reject(error);
  }
}

/** The calls that share one frame: a plain `call` for one, a `multicall` for more. */
export class Batch {
  constructor(readonly calls: readonly PendingCall[]) {}

  body(): { call: Hypercall } | { multicall: { calls: Hypercall[] } } {
    const [only] = this.calls;
    if (this.calls.length === 1 && only) return { call: only.call };
    return { multicall: { calls: this.calls.map((c) => c.call) } };
  }

  /**
   * The Envelope `{ seq, ...body() }`, byte for byte as protobufjs writes it, put together from
   * the calls' own encodings instead of encoding every call a second time: `seq` (field 1), then
   * `call` (3) or `multicall` (4) whose `calls` (1) are the calls' bytes, each length-delimited.
   */
  encode(seq: number, limits: WireLimits): Uint8Array {
    const [only] = this.calls;
    let body: Uint8Array;
    let tag: number;
    if (this.calls.length === 1 && only) {
      body = only.bytes;
      tag = ENVELOPE_CALL;
    } else {
      let length = 0;
      for (const call of this.calls) length += 1 + varintSize(call.bytes.length) + call.bytes.length;
      body = new Uint8Array(length);
      let at = 0;
      for (const call of this.calls) {
        body[at++] = MULTICALL_CALLS;
        at = putVarint(body, at, call.bytes.length);
        body.set(call.bytes, at);
        at += call.bytes.length;
      }
      tag = ENVELOPE_MULTICALL;
    }
    const seqBytes = seq === 0 ? 0 : 1 + varintSize(seq);
    const out = new Uint8Array(seqBytes + 1 + varintSize(body.length) + body.length);
    let at = 0;
    if (seq !== 0) {
      out[at++] = ENVELOPE_SEQ;
      at = putVarint(out, at, seq);
    }
    out[at++] = tag;
    at = putVarint(out, at, body.length);
    out.set(body, at);
    if (out.length > limits.maxFrameBytes) {
      throw new WireError("EMSGSIZE", `envelope of ${out.length} bytes exceeds ${limits.maxFrameBytes}`);
    }
    return out;
  }

  /** Distributes the reply frame; a reply of the wrong shape fails every call of the batch. */
  settle(envelope: xen.Envelope.$Properties): void {
    const results = envelope.multicallReply?.results;
    const [only] = this.calls;
    if (results && results.length === this.calls.length) {
      this.calls.forEach((call, i) => {
        call.settle(results[i] ?? {});
      });
    } else if (!results && envelope.reply && this.calls.length === 1 && only) {
      only.settle(envelope.reply);
    } else {
      // The hypervisor refused the frame as a whole (or answered it wrongly): every call fails.
      const reply = envelope.reply;
      this.fail(
        reply?.status
          ? XenError.fromStatus("multicall", reply.status, reply.code, reply.message)
          : XenError.errno(
              "EBADMSG",
              "multicall",
              `${results?.length ?? 0} replies for ${this.calls.length} calls`,
            ),
      );
    }
  }

  fail(error: Error): void {
    for (const call of this.calls) call.fail(error);
  }
}

// Protobuf keys (field << 3 | wire type) of xen.proto's Envelope and Multicall fields used above.
const ENVELOPE_SEQ = (1 << 3) | 0;
const ENVELOPE_CALL = (3 << 3) | 2;
const ENVELOPE_MULTICALL = (4 << 3) | 2;
const MULTICALL_CALLS = (1 << 3) | 2;

function varintSize(value: number): number {
  let size = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) size++;
  return size;
}

function putVarint(out: Uint8Array, at: number, value: number): number {
  let v = value >>> 0;
  while (v > 0x7f) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

/** Collects calls until the end of the tick, then hands them on as frames of at most the limits. */
export class MulticallBatcher {
  #queue: PendingCall[] = [];
  #scheduled = false;

  constructor(
    private readonly dispatch: (batch: Batch) => void,
    private readonly limits: WireLimits,
  ) {}

  submit(call: Hypercall, hooks?: CallHooks): Promise<Reply> {
    const pending = new PendingCall(call, hooks);
    if (pending.size + ENVELOPE_OVERHEAD > this.limits.maxFrameBytes) {
      throw XenError.errno("EMSGSIZE", pending.op, `call of ${pending.size} bytes exceeds the frame limit`);
    }
    this.#queue.push(pending);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    return pending.promise;
  }

  /** Sends everything queued now, split at `maxBatch` calls and the frame size. */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    let batch: PendingCall[] = [];
    let bytes = ENVELOPE_OVERHEAD;
    for (const call of queue) {
      if (batch.length === this.limits.maxBatch || bytes + call.size > this.limits.maxFrameBytes) {
        this.dispatch(new Batch(batch));
        batch = [];
        bytes = ENVELOPE_OVERHEAD;
      }
      batch.push(call);
      bytes += call.size;
    }
    if (batch.length > 0) this.dispatch(new Batch(batch));
  }
}

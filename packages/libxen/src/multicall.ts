// Transparent HYPERVISOR_multicall: every call issued in the same tick leaves in one frame, in
// issue order, and each caller gets its own reply (a failed entry rejects only its caller).
import { type HypercallOp, hypercallOp, type WireLimits, xen } from "@xenfs/proto";
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
    this.size = xen.Hypercall.encode(call).finish().length + ENTRY_OVERHEAD;
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

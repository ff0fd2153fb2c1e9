// Spans a domain measures itself for the hypervisor's trace feed (xentrace has guests write
// records too): a XenFS request issued → answered in the guest, taken off the ring → answered in
// dom0. Off until the hypervisor says someone traces (the trace_state upcall): then `begin()` is
// one boolean check and an undefined, and nothing is sent. While on, spans go in one trace_span
// call per turn of the event loop. docs/observing.md#tracing.
import type { xen } from "@xenfs/proto";
import type { XenSession } from "./session.js";

/** Most spans one trace_span call carries (the hypervisor's TRACE_SPAN_MAX). */
const BATCH = 256;

export type SpanSide = "front" | "back";

export class TraceSpans {
  /** Set by the hypervisor's trace_state upcall. */
  on = false;
  #batch: xen.TraceSpan.$Properties[] = [];
  #scheduled = false;

  constructor(private readonly session: XenSession) {
    session.onUpcall("traceState", ({ on }) => {
      this.on = on === true;
      if (!this.on) this.#batch = [];
    });
  }

  /** A start time (ms, wall clock) while tracing is on; undefined otherwise. */
  begin(): number | undefined {
    return this.on ? performance.timeOrigin + performance.now() : undefined;
  }

  /** Records a span that began at `start` (from `begin`) and ends now. */
  end(start: number, op: string, id: number, peer: number, side: SpanSide): void {
    if (!this.on) return;
    const durUs = Math.round((performance.timeOrigin + performance.now() - start) * 1e6) / 1000; // µs, 3 decimals
    this.#batch.push({ op, id, ts: start, durUs, peer, side });
    if (this.#batch.length >= BATCH) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const spans = this.#batch.splice(0, BATCH);
    // Best effort, as xentrace's buffers: a span lost with the session is not worth an error.
    if (spans.length > 0) this.session.call({ traceSpan: { spans } }).catch(() => undefined);
  }
}

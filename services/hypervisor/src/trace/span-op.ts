// trace_span (extension): spans a domain measured itself — a XenFS request issued and answered
// (the guest, side "front"), or taken off the ring and answered (dom0, side "back") — become
// `xenfs` records of the trace feed, beside the hypercalls, events and grant maps they caused.
// Domains send them only while tracing is on (the trace_state upcall); one sent after the last
// feed closed is dropped. docs/observing.md#tracing.
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";

/** Spans one call may carry, and the longest op name: a record is small. */
export const TRACE_SPAN_MAX = 256;
const OP_MAX = 32;

export const traceSpan: Handler<"traceSpan"> = (xen, caller, { spans }) => {
  if (spans.length > TRACE_SPAN_MAX) throw errno("E2BIG", `${spans.length} spans, at most ${TRACE_SPAN_MAX}`);
  for (const span of spans) {
    if (!/^[a-z_]{1,32}$/.test(span.op ?? "") || (span.op ?? "").length > OP_MAX)
      throw errno("EINVAL", "a span's op is 1–32 letters or _");
    if (span.side !== "front" && span.side !== "back")
      throw errno("EINVAL", "a span's side is front or back");
    if (!Number.isFinite(span.ts) || !Number.isFinite(span.durUs) || (span.durUs ?? 0) < 0)
      throw errno("EINVAL", "a span's ts and dur_us are finite, dur_us ≥ 0");
  }
  if (!xen.trace.on) return undefined;
  for (const span of spans) {
    xen.trace.emit({
      ts: span.ts ?? 0,
      kind: "xenfs",
      domid: caller.domid,
      op: `xenfs_${span.op}`,
      durUs: span.durUs ?? 0,
      peer: span.peer ?? 0,
      id: span.id ?? 0,
      side: span.side,
    });
  }
  return undefined;
};

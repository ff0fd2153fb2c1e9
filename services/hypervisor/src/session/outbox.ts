// One ordered outbound queue per domain session: replies and upcalls in the order they were
// produced. Flushing turns the queue into envelopes (consecutive upcalls merged into one
// `upcalls` batch), numbers them, records them for resume, and transmits them.
import { DEFAULT_WIRE_LIMITS, type EnvelopeInit, encodeEnvelope, WireError, type xen } from "@xenfs/proto";

export type Outbound =
  | { readonly kind: "reply"; readonly replyTo: number; readonly reply: xen.Reply.$Properties }
  | { readonly kind: "multicallReply"; readonly replyTo: number; readonly results: xen.Reply.$Properties[] }
  | { readonly kind: "upcall"; readonly upcall: xen.Upcall.$Properties }
  /** Stands for evtchn_upcall_pending: the ports are collected when the queue is flushed. */
  | { readonly kind: "events" };

/** Builds envelopes (without seq) from queued items; `collectEvents` resolves "events" items. */
export function assemble(items: readonly Outbound[], collectEvents: () => number[]): EnvelopeInit[] {
  const envelopes: EnvelopeInit[] = [];
  let batch: xen.Upcall.$Properties[] | undefined;
  for (const item of items) {
    if (item.kind === "reply" || item.kind === "multicallReply") {
      batch = undefined;
      envelopes.push(
        item.kind === "reply"
          ? { replyTo: item.replyTo, reply: item.reply }
          : { replyTo: item.replyTo, multicallReply: { results: item.results } },
      );
      continue;
    }
    let upcall = item.kind === "upcall" ? item.upcall : undefined;
    if (item.kind === "events") {
      const ports = collectEvents();
      if (ports.length > 0) upcall = { eventPending: { ports } };
    }
    if (!upcall) continue;
    if (!batch || batch.length >= DEFAULT_WIRE_LIMITS.maxBatch) {
      batch = [];
      envelopes.push({ upcalls: { upcalls: batch } });
    }
    batch.push(upcall);
  }
  return envelopes;
}

/** Encodes an envelope; a reply too large for one frame becomes an E2BIG reply to the same call. */
export function encodeOrShrink(envelope: EnvelopeInit): Uint8Array {
  try {
    return encodeEnvelope(envelope);
  } catch (error) {
    if (!(error instanceof WireError) || envelope.upcalls) throw error;
    return encodeEnvelope({
      seq: envelope.seq ?? 0,
      replyTo: envelope.replyTo ?? 0,
      reply: { status: -7, code: "E2BIG", message: `reply does not fit in one frame: ${error.message}` },
    });
  }
}

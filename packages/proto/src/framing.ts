// One WebSocket binary message = one Envelope. WebSocket keeps message boundaries, so framing is
// the size limit, the decode and the envelope's structural rules; field ranges are the
// receiver's business.
import { xen } from "../gen/xen.cjs";
import { WireError } from "./errors.js";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "./limits.js";

export type Envelope = xen.Envelope;
export type EnvelopeInit = xen.Envelope.$Properties;
export type EnvelopeBody = "call" | "multicall" | "reply" | "multicallReply" | "upcalls" | "ack";

export function encodeEnvelope(envelope: EnvelopeInit, limits: WireLimits = DEFAULT_WIRE_LIMITS): Uint8Array {
  const bytes = xen.Envelope.encode(envelope).finish();
  if (bytes.length > limits.maxFrameBytes) {
    throw new WireError("EMSGSIZE", `envelope of ${bytes.length} bytes exceeds ${limits.maxFrameBytes}`);
  }
  return bytes;
}

/** Decodes and checks one frame; throws WireError and never returns a half-valid envelope. */
export function decodeEnvelope(bytes: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): Envelope {
  if (bytes.length > limits.maxFrameBytes) {
    throw new WireError("EMSGSIZE", `frame of ${bytes.length} bytes exceeds ${limits.maxFrameBytes}`);
  }
  let envelope: Envelope;
  try {
    envelope = xen.Envelope.decode(bytes);
  } catch (cause) {
    throw new WireError("EBADMSG", `frame does not decode: ${(cause as Error).message}`, { cause });
  }
  const body = envelope.body as EnvelopeBody | undefined;
  if (body === undefined) throw new WireError("EPROTO", "envelope has no body");
  const batch =
    body === "multicall"
      ? envelope.multicall?.calls?.length
      : body === "multicallReply"
        ? envelope.multicallReply?.results?.length
        : body === "upcalls"
          ? envelope.upcalls?.upcalls?.length
          : undefined;
  if (batch !== undefined && batch > limits.maxBatch) {
    throw new WireError("EMSGSIZE", `batch of ${batch} entries exceeds ${limits.maxBatch}`);
  }
  if (body === "multicall" && batch === 0) throw new WireError("EPROTO", "empty multicall");
  return envelope;
}

/** The name of the op a hypercall carries, or undefined when none is set. */
export function hypercallOp(call: xen.Hypercall.$Properties): HypercallOp | undefined {
  return (call as xen.Hypercall).op as HypercallOp | undefined;
}

export type HypercallOp = NonNullable<xen.Hypercall["op"]>;
export type UpcallKind = NonNullable<xen.Upcall["kind"]>;
export type ReplyResult = NonNullable<xen.Reply["result"]>;

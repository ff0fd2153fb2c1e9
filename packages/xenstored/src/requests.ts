import { decodeXsStrings, encodeXsPayload, WireError, XS, type XsdError } from "@xenfs/proto";
import type { XsConnection } from "./backend.js";
import { XsError } from "./errors.js";

/** A reply as XsConnection.request returns it. */
export type XsReply = ReturnType<XsConnection["request"]>;

/**
 * The NUL-terminated strings at the start of a payload, at most `max` of them (xenstored's
 * get_strings()); an unterminated tail is not a string. Not UTF-8 is EINVAL.
 */
export function payloadStrings(payload: Uint8Array, max = Number.POSITIVE_INFINITY): string[] {
  try {
    return decodeXsStrings(payload, max);
  } catch (error) {
    if (error instanceof WireError) throw new XsError("EINVAL", "strings must be UTF-8");
    throw error;
  }
}

/** Exactly `count` strings' worth of payload, else EINVAL. */
export function exactStrings(payload: Uint8Array, count: number): string[] {
  const strings = payloadStrings(payload);
  if (strings.length !== count || payload.at(-1) !== 0) {
    throw new XsError("EINVAL", `expected ${count} NUL-terminated string(s)`);
  }
  return strings;
}

/** At least `count` leading strings, else EINVAL. */
export function leadingStrings(payload: Uint8Array, count: number): string[] {
  const strings = payloadStrings(payload, count);
  if (strings.length < count) throw new XsError("EINVAL", `expected ${count} NUL-terminated string(s)`);
  return strings;
}

/** onearg(): the payload is a single NUL-terminated string. */
export function oneArg(payload: Uint8Array): string {
  return exactStrings(payload, 1)[0]!;
}

export const OK = encodeXsPayload(["OK"]);

export function errorReply(code: XsdError): XsReply {
  return { type: XS.ERROR, payload: encodeXsPayload([code]) };
}

/** Map a thrown error to its XS_ERROR reply; anything unexpected is a bug and propagates. */
export function replyForError(error: unknown): XsReply {
  if (error instanceof XsError) return errorReply(error.code);
  throw error;
}

import { XS, type XsdError } from "@xenfs/proto";
import type { XsConnection } from "../xenstore-port.js";
import { XsError } from "./errors.js";

/** A reply as XsConnection.request returns it. */
export type XsReply = ReturnType<XsConnection["request"]>;

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * The NUL-terminated strings at the start of a payload, at most `max` of them (xenstored's
 * get_strings()); an unterminated tail is not a string.
 */
export function payloadStrings(payload: Uint8Array, max = Number.POSITIVE_INFINITY): string[] {
  const strings: string[] = [];
  for (let start = 0; strings.length < max; ) {
    const end = payload.indexOf(0, start);
    if (end < 0) break;
    strings.push(text(payload.subarray(start, end)));
    start = end + 1;
  }
  return strings;
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

export function strings(...values: string[]): Uint8Array {
  return encoder.encode(values.map((v) => `${v}\0`).join(""));
}

export const OK = strings("OK");

export function errorReply(code: XsdError): XsReply {
  return { type: XS.ERROR, payload: strings(code) };
}

/** Map a thrown error to its XS_ERROR reply; anything unexpected is a bug and propagates. */
export function replyForError(error: unknown): XsReply {
  if (error instanceof XsError) return errorReply(error.code);
  throw error;
}

function text(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new XsError("EINVAL", "strings must be UTF-8");
  }
}

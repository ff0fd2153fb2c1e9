// xs_wire payloads: NUL-separated strings (io/xs_wire.h, docs/misc/xenstore.txt).
import { XENSTORE_PAYLOAD_MAX } from "@xenfs/proto";
import { XenError } from "./errors.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Each string NUL-terminated, then the raw tail (a WRITE's value is not terminated). */
export function xsPayload(op: string, strings: readonly string[], tail?: string | Uint8Array): Uint8Array {
  for (const s of strings) {
    if (s.includes("\0")) throw XenError.errno("EINVAL", op, "a path or token may not contain NUL");
  }
  const head = encoder.encode(strings.map((s) => `${s}\0`).join(""));
  const rest = typeof tail === "string" ? encoder.encode(tail) : (tail ?? new Uint8Array(0));
  if (head.length + rest.length > XENSTORE_PAYLOAD_MAX) {
    throw XenError.errno(
      "E2BIG",
      op,
      `payload of ${head.length + rest.length} bytes exceeds ${XENSTORE_PAYLOAD_MAX}`,
    );
  }
  const payload = new Uint8Array(head.length + rest.length);
  payload.set(head);
  payload.set(rest, head.length);
  return payload;
}

/** The NUL-terminated strings of a reply (DIRECTORY, GET_PERMS); an unterminated tail is dropped. */
export function xsStrings(payload: Uint8Array): string[] {
  const strings: string[] = [];
  for (let start = 0; start < payload.length; ) {
    const end = payload.indexOf(0, start);
    if (end < 0) break;
    strings.push(decoder.decode(payload.subarray(start, end)));
    start = end + 1;
  }
  return strings;
}

/** A single-string reply ("OK\0", a transaction id, a domain path). */
export function xsString(payload: Uint8Array): string {
  return xsStrings(payload)[0] ?? decoder.decode(payload);
}

export function xsText(payload: Uint8Array): string {
  return decoder.decode(payload);
}

// xs_wire payloads: NUL-terminated strings, and a WRITE's raw value after its path (io/xs_wire.h,
// docs/misc/xenstore.txt). Pure functions; what cannot be sent or read is a WireError.
import { WireError } from "../errors.js";
import { XENSTORE_PAYLOAD_MAX } from "./xs_wire.js";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder();

/**
 * Each string NUL-terminated, then the raw tail (a WRITE's value is not terminated). A NUL inside
 * a string is EBADMSG (it would split it); more than XENSTORE_PAYLOAD_MAX bytes is EMSGSIZE.
 */
export function encodeXsPayload(strings: readonly string[], tail?: string | Uint8Array): Uint8Array {
  for (const s of strings) {
    if (s.includes("\0")) throw new WireError("EBADMSG", "a path or token may not contain NUL");
  }
  const head = encoder.encode(strings.map((s) => `${s}\0`).join(""));
  const rest = typeof tail === "string" ? encoder.encode(tail) : (tail ?? new Uint8Array(0));
  if (head.length + rest.length > XENSTORE_PAYLOAD_MAX) {
    throw new WireError(
      "EMSGSIZE",
      `payload of ${head.length + rest.length} bytes exceeds XENSTORE_PAYLOAD_MAX (${XENSTORE_PAYLOAD_MAX})`,
    );
  }
  const payload = new Uint8Array(head.length + rest.length);
  payload.set(head);
  payload.set(rest, head.length);
  return payload;
}

/**
 * The NUL-terminated strings at the start of a payload, at most `max` of them (xenstored's
 * get_strings()); an unterminated tail is not a string. A string that is not UTF-8 is EBADMSG.
 */
export function decodeXsStrings(payload: Uint8Array, max = Number.POSITIVE_INFINITY): string[] {
  const strings: string[] = [];
  for (let start = 0; strings.length < max; ) {
    const end = payload.indexOf(0, start);
    if (end < 0) break;
    try {
      strings.push(utf8.decode(payload.subarray(start, end)));
    } catch (error) {
      throw new WireError("EBADMSG", "xs_wire strings must be UTF-8", { cause: error });
    }
    start = end + 1;
  }
  return strings;
}

/** A single-string reply ("OK", a transaction id, a domain path, an errno name); unterminated, the whole text. */
export function decodeXsString(payload: Uint8Array): string {
  return decodeXsStrings(payload, 1)[0] ?? lenient.decode(payload);
}

/** A node's value as text: values are bytes, and bytes that are not UTF-8 read as U+FFFD. */
export function decodeXsText(payload: Uint8Array): string {
  return lenient.decode(payload);
}

import { FsProtocolError } from "../errors.js";

const encoder = new TextEncoder();
// fatal: bad UTF-8 is refused, not replaced; ignoreBOM: a leading U+FEFF is part of the name.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export interface StringRule {
  readonly what: string;
  readonly maxBytes: number;
  /** Directory entry names are one component: no '/', and never "." or "..". */
  readonly component: boolean;
}

export function encodeString(value: string, rule: StringRule): Uint8Array {
  const bytes = encoder.encode(value);
  // TextEncoder turns a lone surrogate into U+FFFD; refuse rather than send another name.
  if (decoder.decode(bytes) !== value) {
    throw new FsProtocolError("FSIF_BAD_STRING", `${rule.what} is not well-formed Unicode`);
  }
  check(value, bytes.length, rule);
  return bytes;
}

export function decodeString(bytes: Uint8Array, rule: StringRule): string {
  if (bytes.length > rule.maxBytes) {
    throw new FsProtocolError(
      "FSIF_BAD_LENGTH",
      `${rule.what} of ${bytes.length} bytes exceeds ${rule.maxBytes}`,
    );
  }
  let value: string;
  try {
    value = decoder.decode(bytes);
  } catch {
    throw new FsProtocolError("FSIF_BAD_STRING", `${rule.what} is not valid UTF-8`);
  }
  check(value, bytes.length, rule);
  return value;
}

function check(value: string, byteLength: number, rule: StringRule): void {
  if (byteLength > rule.maxBytes) {
    throw new FsProtocolError(
      "FSIF_BAD_LENGTH",
      `${rule.what} of ${byteLength} bytes exceeds ${rule.maxBytes}`,
    );
  }
  if (byteLength === 0) throw new FsProtocolError("FSIF_BAD_STRING", `${rule.what} is empty`);
  if (value.includes("\0")) throw new FsProtocolError("FSIF_BAD_STRING", `${rule.what} contains NUL`);
  if (rule.component && (value.includes("/") || value === "." || value === "..")) {
    throw new FsProtocolError(
      "FSIF_BAD_STRING",
      `${rule.what} ${JSON.stringify(value)} is not one path component`,
    );
  }
}

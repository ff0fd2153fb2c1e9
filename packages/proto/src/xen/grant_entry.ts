// grant_entry_v1 as a granter writes it into its grant-table frames (grant_table.h):
// { u16 flags; u16 domid; u32 frame }, little-endian, 8 bytes, 512 per frame.
import { XEN_ERRNO } from "./errno.js";
import { GRANT_ENTRIES_PER_FRAME, GRANT_ENTRY_V1_SIZE } from "./grant_table.js";
import { DOMID } from "./xen.js";

/** An entry that does not fit grant_entry_v1: Xen's −EINVAL. */
export class GrantEntryError extends Error {
  override readonly name = "GrantEntryError";
  readonly code = "EINVAL";
  readonly status = -XEN_ERRNO.EINVAL;
}

export interface GrantEntryV1 {
  readonly flags: number;
  readonly domid: number;
  readonly frame: number;
}

/** The 8 bytes of an entry, written in one mem_write so that no peer sees half of it. */
export function encodeGrantEntry(entry: GrantEntryV1): Uint8Array {
  const { flags, domid, frame } = entry;
  if (!isUint(flags, 0xffff)) throw new GrantEntryError(`grant_entry: flags ${flags} is not a u16`);
  if (!isUint(domid, DOMID.FIRST_RESERVED - 1) && domid !== DOMID.SELF) {
    throw new GrantEntryError(`grant_entry: domid ${domid} is not a domain`);
  }
  if (!isUint(frame, 0xffffffff)) throw new GrantEntryError(`grant_entry: frame ${frame} is not a u32`);
  const bytes = new Uint8Array(GRANT_ENTRY_V1_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, flags, true);
  view.setUint16(2, domid, true);
  view.setUint32(4, frame, true);
  return bytes;
}

export function decodeGrantEntry(bytes: Uint8Array): GrantEntryV1 {
  if (bytes.length !== GRANT_ENTRY_V1_SIZE) {
    throw new GrantEntryError(`grant_entry: ${bytes.length} bytes, an entry is ${GRANT_ENTRY_V1_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, GRANT_ENTRY_V1_SIZE);
  return { flags: view.getUint16(0, true), domid: view.getUint16(2, true), frame: view.getUint32(4, true) };
}

/** The {flags, domid} word (bytes 0–3) as a width-4 mem_cmpxchg reads it. */
export function flagsWord(flags: number, domid: number): bigint {
  return BigInt(flags) | (BigInt(domid) << 16n);
}

/** Which table frame (index into frame_list) and byte offset hold `ref`. */
export function entryLocation(ref: number): { readonly frameIndex: number; readonly offset: number } {
  return {
    frameIndex: Math.floor(ref / GRANT_ENTRIES_PER_FRAME),
    offset: (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_SIZE,
  };
}

/** The little-endian bytes of an entry's flags field (what Xen updates in place). */
export function flagsBytes(flags: number): Uint8Array {
  return new Uint8Array([flags & 0xff, (flags >> 8) & 0xff]);
}

/** The little-endian bytes of an entry's frame field (bytes 4–7). */
export function frameBytes(frame: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, frame, true);
  return bytes;
}

function isUint(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

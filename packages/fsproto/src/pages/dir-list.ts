import { type DirentType, isDirentType } from "../dirent.js";
import { FsProtocolError } from "../errors.js";
import { NAME_MAX, PAGE_SIZE } from "../limits.js";
import type { PageCodec } from "../page-codec.js";
import { decodeString, encodeString, type StringRule } from "./strings.js";

export interface DirEntry {
  readonly name: string;
  readonly type: DirentType;
}

const NAME: StringRule = { what: "entry name", maxBytes: NAME_MAX, component: true };
const HEADER = 2; // u16 count
const ENTRY_HEADER = 2; // u8 type, u8 name length
const encoder = new TextEncoder();

/**
 * One page of a directory listing: u16 count, then per entry u8 d_type, u8 name length, name
 * bytes. A listing longer than a page continues with the response's cookie.
 */
export const dirListCodec: PageCodec<readonly DirEntry[]> = {
  maxBytes: PAGE_SIZE,

  encode(entries) {
    const names = entries.map((entry) => encodeString(entry.name, NAME));
    const total = names.reduce((sum, name) => sum + ENTRY_HEADER + name.length, HEADER);
    if (total > PAGE_SIZE || entries.length > 0xffff) {
      throw new FsProtocolError("FSIF_BAD_LENGTH", `listing of ${total} bytes exceeds a page`);
    }
    const bytes = new Uint8Array(total);
    new DataView(bytes.buffer).setUint16(0, entries.length, true);
    let at = HEADER;
    entries.forEach((entry, i) => {
      const name = names[i]!;
      if (!isDirentType(entry.type)) {
        throw new FsProtocolError("FSIF_OUT_OF_RANGE", `entry type ${entry.type} is not a d_type`);
      }
      bytes[at] = entry.type;
      bytes[at + 1] = name.length;
      bytes.set(name, at + ENTRY_HEADER);
      at += ENTRY_HEADER + name.length;
    });
    return bytes;
  },

  decode(bytes) {
    if (bytes.length < HEADER || bytes.length > PAGE_SIZE) {
      throw new FsProtocolError("FSIF_BAD_LENGTH", `listing of ${bytes.length} bytes`);
    }
    const count = bytes[0]! | (bytes[1]! << 8);
    const entries: DirEntry[] = [];
    let at = HEADER;
    for (let i = 0; i < count; i++) {
      if (at + ENTRY_HEADER > bytes.length) throw truncated(i);
      const type = bytes[at]!;
      const end = at + ENTRY_HEADER + bytes[at + 1]!;
      if (end > bytes.length) throw truncated(i);
      if (!isDirentType(type)) throw new FsProtocolError("FSIF_OUT_OF_RANGE", `entry ${i}: d_type ${type}`);
      entries.push({ name: decodeString(bytes.subarray(at + ENTRY_HEADER, end), NAME), type });
      at = end;
    }
    if (at !== bytes.length) {
      throw new FsProtocolError("FSIF_BAD_LENGTH", `${bytes.length - at} bytes after ${count} entries`);
    }
    return entries;
  },
};

/** How many leading entries fit in `capacity` bytes: the backend sends those, then a cookie. */
export function fitDirEntries(entries: readonly DirEntry[], capacity = PAGE_SIZE): number {
  let used = HEADER;
  for (const [i, entry] of entries.entries()) {
    used += ENTRY_HEADER + encoder.encode(entry.name).length;
    if (used > capacity || i === 0xffff) return i;
  }
  return entries.length;
}

function truncated(entry: number): FsProtocolError {
  return new FsProtocolError("FSIF_BAD_LENGTH", `entry ${entry} runs past the listing`);
}

import { FsProtocolError } from "../errors.js";
import { checkedU32, i64, u64, uint } from "../layout/field.js";
import { struct, type ValuesOf } from "../layout/struct.js";
import { PAGE_SIZE } from "../limits.js";
import type { PageCodec } from "../page-codec.js";

/** Bytes per record of an attribute page (docs/xenfs.md "The attribute page"). */
export const ATTR_RECORD_SIZE = 64;

/** Records in one attribute page: a dom0 frame granted read-only to the guests that use it. */
export const ATTR_RECORDS_PER_PAGE = PAGE_SIZE / ATTR_RECORD_SIZE;

/** Record flag bits. */
export const ATTR = {
  /** The record describes an open file (clear: free, or being reused). */
  ATTR_VALID: 1,
  /** The path that opened the file was unlinked or renamed over. */
  ATTR_NAME_STALE: 2,
} as const;

const KNOWN_FLAGS = ATTR.ATTR_VALID | ATTR.ATTR_NAME_STALE;

const ATTR_FIELDS = {
  ino: u64("ino", 0),
  size: u64("size", 8),
  /** Bumped on every write or truncate of the file. */
  version: u64("version", 16),
  mtimeNs: i64("mtimeNs", 24),
  ctimeNs: i64("ctimeNs", 32),
  mode: uint("mode", 40, 4),
  nlink: uint("nlink", 44, 4),
  flags: checkedU32("flags", 48, (flags) =>
    (flags & ~KNOWN_FLAGS) !== 0 ? `undefined bits 0x${(flags & ~KNOWN_FLAGS).toString(16)}` : undefined,
  ),
  /** Bumped when the record is reused for another file. */
  generation: uint("generation", 52, 4),
  // 56‥63 reserved, zero.
};

export type AttrRecord = ValuesOf<typeof ATTR_FIELDS>;

const layout = struct("attr", 0, ATTR_RECORD_SIZE, ATTR_FIELDS);

/** Where record `index` starts in its attribute page. */
export function attrRecordOffset(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= ATTR_RECORDS_PER_PAGE) {
    throw new FsProtocolError(
      "FSIF_OUT_OF_RANGE",
      `attribute index ${index} outside [0, ${ATTR_RECORDS_PER_PAGE})`,
    );
  }
  return index * ATTR_RECORD_SIZE;
}

/** One 64-byte attribute record; dom0 writes it into the page, guests read it from their copy. */
export const attrRecordCodec: PageCodec<AttrRecord> = {
  maxBytes: ATTR_RECORD_SIZE,

  encode(record) {
    const bytes = new Uint8Array(ATTR_RECORD_SIZE);
    layout.write(new DataView(bytes.buffer), 0, record);
    return bytes;
  },

  decode(bytes) {
    if (bytes.length !== ATTR_RECORD_SIZE) {
      throw new FsProtocolError(
        "FSIF_BAD_LENGTH",
        `attribute record of ${bytes.length} bytes, expected ${ATTR_RECORD_SIZE}`,
      );
    }
    return layout.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  },
};

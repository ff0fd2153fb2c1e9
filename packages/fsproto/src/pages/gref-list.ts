import { FsProtocolError } from "../errors.js";
import { GREF_LIST_MAX, PAGE_SIZE } from "../limits.js";
import type { PageCodec } from "../page-codec.js";

const HEADER = 4; // u32 count

/** Bytes of a gref list of `count` refs: what to copy out of the list page to decode it. */
export function grefListBytes(count: number): number {
  return HEADER + 4 * count;
}

/** An indirect gref list (GrefSet with `listGref`): u32 count, then count u32 grant refs. */
export const grefListCodec: PageCodec<readonly number[]> = {
  maxBytes: PAGE_SIZE,

  encode(grefs) {
    if (grefs.length > GREF_LIST_MAX) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `${grefs.length} grefs exceed ${GREF_LIST_MAX}`);
    }
    const bytes = new Uint8Array(grefListBytes(grefs.length));
    const view = new DataView(bytes.buffer);
    view.setUint32(0, grefs.length, true);
    grefs.forEach((gref, i) => {
      if (!Number.isInteger(gref) || gref < 0 || gref > 0xffffffff) {
        throw new FsProtocolError("FSIF_OUT_OF_RANGE", `gref ${gref} is not a u32`);
      }
      view.setUint32(HEADER + 4 * i, gref, true);
    });
    return bytes;
  },

  decode(bytes) {
    if (bytes.length < HEADER) throw new FsProtocolError("FSIF_BAD_LENGTH", "gref list has no header");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = view.getUint32(0, true);
    if (count > GREF_LIST_MAX) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `${count} grefs exceed ${GREF_LIST_MAX}`);
    }
    if (bytes.length !== grefListBytes(count)) {
      throw new FsProtocolError("FSIF_BAD_LENGTH", `gref list of ${count} in ${bytes.length} bytes`);
    }
    return Array.from({ length: count }, (_, i) => view.getUint32(HEADER + 4 * i, true));
  },
};

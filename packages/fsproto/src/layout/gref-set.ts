import { FsProtocolError } from "../errors.js";
import { GREF_LIST_MAX } from "../limits.js";
import type { Field } from "./field.js";

/**
 * Grant references of data pages: inline in the slot, or — like blkif's indirect segments —
 * counted in the slot and listed in a granted page (`listGref`, a gref-list page payload).
 */
export type GrefSet =
  | { readonly grefs: readonly number[] }
  | { readonly listGref: number; readonly count: number };

export function grefCount(set: GrefSet): number {
  return "grefs" in set ? set.grefs.length : set.count;
}

const INDIRECT = 1;

/** `count` u16, `flags` u8 (bit 0 indirect), 1 reserved byte, then `capacity` u32 refs. */
export function grefSet(name: string, offset: number, capacity: number): Field<GrefSet> {
  const refAt = (base: number, i: number) => base + offset + 4 + 4 * i;
  return {
    offset,
    size: 4 + 4 * capacity,
    read(view, base) {
      const count = view.getUint16(base + offset, true);
      const flags = view.getUint8(base + offset + 2);
      if ((flags & ~INDIRECT) !== 0 || view.getUint8(base + offset + 3) !== 0) {
        throw new FsProtocolError("FSIF_RESERVED", `${name}: reserved flag bits set`);
      }
      const indirect = flags === INDIRECT;
      const used = indirect ? 1 : count;
      checkCount(name, count, indirect, capacity);
      for (let i = used; i < capacity; i++) {
        if (view.getUint32(refAt(base, i), true) !== 0) {
          throw new FsProtocolError("FSIF_RESERVED", `${name}: unused gref ${i} is not zero`);
        }
      }
      const refs = Array.from({ length: used }, (_, i) => view.getUint32(refAt(base, i), true));
      return indirect ? { listGref: refs[0]!, count } : { grefs: refs };
    },
    write(view, base, set) {
      const indirect = !("grefs" in set);
      const refs = indirect ? [set.listGref] : set.grefs;
      checkCount(name, grefCount(set), indirect, capacity);
      view.setUint16(base + offset, grefCount(set), true);
      view.setUint8(base + offset + 2, indirect ? INDIRECT : 0);
      view.setUint8(base + offset + 3, 0);
      for (let i = 0; i < capacity; i++) {
        const ref = refs[i] ?? 0;
        if (!Number.isInteger(ref) || ref < 0 || ref > 0xffffffff) {
          throw new FsProtocolError("FSIF_OUT_OF_RANGE", `${name}: gref ${ref} is not a u32`);
        }
        view.setUint32(refAt(base, i), ref, true);
      }
    },
  };
}

function checkCount(name: string, count: number, indirect: boolean, capacity: number): void {
  const [min, max] = indirect ? [1, GREF_LIST_MAX] : [0, capacity];
  if (count < min || count > max) {
    throw new FsProtocolError(
      "FSIF_OUT_OF_RANGE",
      `${name}: ${count} ${indirect ? "listed" : "inline"} grefs outside [${min}, ${max}]`,
    );
  }
}

import { FsProtocolError } from "../errors.js";
import { FSIF_SLOT_SIZE } from "../limits.js";

/** A little-endian view of exactly one slot; any other length is refused. */
export function slotView(slot: Uint8Array): DataView {
  if (slot.length !== FSIF_SLOT_SIZE) {
    throw new FsProtocolError("FSIF_BAD_LENGTH", `slot of ${slot.length} bytes, expected ${FSIF_SLOT_SIZE}`);
  }
  return new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
}

// A codec for schedules: each request and response carries a sequence number in an entry of any
// size, so one entry size gives any ring size from 1 to 512 entries.
import { defineRingTypes, type RingTypes, type SlotCodec } from "../src/index.js";

function seqCodec(size: number): SlotCodec<number> {
  return {
    size,
    encode(seq, slot) {
      new DataView(slot.buffer, slot.byteOffset).setUint32(0, seq, true);
    },
    decode: (slot) => new DataView(slot.buffer, slot.byteOffset).getUint32(0, true),
  };
}

export function seqTypes(entrySize: number, pages = 1): RingTypes<number, number> {
  return defineRingTypes(seqCodec(entrySize), seqCodec(4), pages);
}

import type { SlotCodec } from "@xenfs/ring";
import { FsProtocolError } from "./errors.js";
import type { Field } from "./layout/field.js";
import { slotView } from "./layout/slot-view.js";
import { FSIF_GEN_SPACE, FSIF_ID_SPACE, FSIF_SLOT_SIZE } from "./limits.js";
import { FS_OPS, type FsOp, opOfType } from "./ops.js";
import { type FsRequest, REQUEST_BODIES } from "./requests.js";

// Header, as fsif_request: type u8 @0, flags u8 @1, id u16 @2, gen u32 @4. fsif pads flags
// and gen; XenFS uses them so a backend can answer a re-issued request as it did the first time.
const TYPE = 0;
const FLAGS = 1;
const ID = 2;
const GEN = 4;

/** Request header flags. */
export const FSIF_REQF = {
  /** Sent before on an earlier connection (whose answer never arrived). */
  reissue: 0x01,
} as const;

// Each op's layout reads and writes that op's body; the codec adds the header fields and the
// cast to FsRequest is sound because the table is keyed by the same op.
const layoutOf = (op: FsOp): Field<object> => REQUEST_BODIES[op];

export const fsRequestCodec: SlotCodec<FsRequest> = {
  size: FSIF_SLOT_SIZE,

  encode(request, slot) {
    const view = slotView(slot);
    const type = FS_OPS[request.op] as number | undefined;
    if (type === undefined) throw new FsProtocolError("FSIF_UNKNOWN_OP", `unknown op ${String(request.op)}`);
    if (!Number.isInteger(request.id) || request.id < 0 || request.id >= FSIF_ID_SPACE) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `request id ${request.id} is not a u16`);
    }
    const gen = request.gen ?? 0;
    if (!Number.isInteger(gen) || gen < 0 || gen >= FSIF_GEN_SPACE) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `request gen ${gen} is not a u32`);
    }
    slot.fill(0);
    view.setUint8(TYPE, type);
    view.setUint8(FLAGS, request.reissue ? FSIF_REQF.reissue : 0);
    view.setUint16(ID, request.id, true);
    view.setUint32(GEN, gen, true);
    layoutOf(request.op).write(view, 0, request);
  },

  decode(slot) {
    const view = slotView(slot);
    const op = opOfType(view.getUint8(TYPE));
    if (op === undefined)
      throw new FsProtocolError("FSIF_UNKNOWN_OP", `unknown request type ${view.getUint8(TYPE)}`);
    const flags = view.getUint8(FLAGS);
    if ((flags & ~FSIF_REQF.reissue) !== 0) {
      throw new FsProtocolError(
        "FSIF_RESERVED",
        `request header flags 0x${flags.toString(16)} are undefined`,
      );
    }
    const request = { ...layoutOf(op).read(view, 0), op, id: view.getUint16(ID, true) } as FsRequest;
    // Absent when zero, so a request without them decodes to what was encoded.
    const gen = view.getUint32(GEN, true);
    return {
      ...request,
      ...(gen !== 0 ? { gen } : {}),
      ...(flags & FSIF_REQF.reissue ? { reissue: true } : {}),
    };
  },

  rawId(slot) {
    return slot.length === FSIF_SLOT_SIZE ? slotView(slot).getUint16(ID, true) : undefined;
  },
};

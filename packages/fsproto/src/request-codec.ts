import { FsProtocolError } from "./errors.js";
import type { Field } from "./layout/field.js";
import { slotView } from "./layout/slot-view.js";
import { FSIF_SLOT_SIZE } from "./limits.js";
import { FS_OPS, type FsOp, opOfType } from "./ops.js";
import { type FsRequest, REQUEST_BODIES } from "./requests.js";
import type { SlotCodec } from "./slot-codec.js";

// Header, as fsif_request: type u8 @0, pad u8 @1, id u16 @2, pad u32 @4.
const TYPE = 0;
const ID = 2;

// Each op's layout reads and writes that op's body; the codec adds the header fields and the
// cast to FsRequest is sound because the table is keyed by the same op.
const layoutOf = (op: FsOp): Field<object> => REQUEST_BODIES[op];

export const fsRequestCodec: SlotCodec<FsRequest> = {
  size: FSIF_SLOT_SIZE,

  encode(request, slot) {
    const view = slotView(slot);
    const type = FS_OPS[request.op] as number | undefined;
    if (type === undefined) throw new FsProtocolError("FSIF_UNKNOWN_OP", `unknown op ${String(request.op)}`);
    if (!Number.isInteger(request.id) || request.id < 0 || request.id > 0xffff) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `request id ${request.id} is not a u16`);
    }
    slot.fill(0);
    view.setUint8(TYPE, type);
    view.setUint16(ID, request.id, true);
    layoutOf(request.op).write(view, 0, request);
  },

  decode(slot) {
    const view = slotView(slot);
    const op = opOfType(view.getUint8(TYPE));
    if (op === undefined)
      throw new FsProtocolError("FSIF_UNKNOWN_OP", `unknown request type ${view.getUint8(TYPE)}`);
    if (view.getUint8(1) !== 0 || view.getUint32(4, true) !== 0) {
      throw new FsProtocolError("FSIF_RESERVED", "request header padding is not zero");
    }
    return { ...layoutOf(op).read(view, 0), op, id: view.getUint16(ID, true) } as FsRequest;
  },

  rawId(slot) {
    return slot.length === FSIF_SLOT_SIZE ? slotView(slot).getUint16(ID, true) : undefined;
  },
};

import type { SlotCodec } from "@xenfs/ring";
import { errnoNameOf, FS_ERRNO, statusOf } from "./errno.js";
import { FsProtocolError } from "./errors.js";
import type { Field } from "./layout/field.js";
import { slotView } from "./layout/slot-view.js";
import { FSIF_ID_SPACE, FSIF_SLOT_SIZE } from "./limits.js";
import { FS_OPS, type FsOp, opOfType } from "./ops.js";
import { FAILED_BODY, type FsResponse, RESPONSE_BODIES } from "./responses.js";

// Header: id u16 @0 (as fsif_response), then the request type u8 @2 so a response decodes on
// its own (0 answering a request that did not decode), pad u8 @3, status i32 @4 (0 or −errno).
const ID = 0;
const TYPE = 2;
const STATUS = 4;
const UNDECODED = 0;

// Each op's layout reads and writes that op's body; the codec adds the header fields and the
// cast to FsResponse is sound because the table is keyed by the same op.
const layoutOf = (op: FsOp): Field<object> => RESPONSE_BODIES[op];

export const fsResponseCodec: SlotCodec<FsResponse> = {
  size: FSIF_SLOT_SIZE,

  encode(response, slot) {
    const view = slotView(slot);
    const type = response.op === null ? UNDECODED : (FS_OPS[response.op] as number | undefined);
    if (type === undefined) throw new FsProtocolError("FSIF_UNKNOWN_OP", `unknown op ${String(response.op)}`);
    if (!Number.isInteger(response.id) || response.id < 0 || response.id >= FSIF_ID_SPACE) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `response id ${response.id} is not a u16`);
    }
    if (!response.ok && !Object.hasOwn(FS_ERRNO, response.code)) {
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `unknown errno name ${response.code}`);
    }
    slot.fill(0);
    view.setUint16(ID, response.id, true);
    view.setUint8(TYPE, type);
    if (response.ok) layoutOf(response.op).write(view, 0, response);
    else view.setInt32(STATUS, statusOf(response.code), true);
  },

  decode(slot) {
    const view = slotView(slot);
    const type = view.getUint8(TYPE);
    const op = type === UNDECODED ? null : opOfType(type);
    if (op === undefined) throw new FsProtocolError("FSIF_UNKNOWN_OP", `unknown response type ${type}`);
    if (view.getUint8(3) !== 0)
      throw new FsProtocolError("FSIF_RESERVED", "response header padding is not zero");
    const id = view.getUint16(ID, true);
    const status = view.getInt32(STATUS, true);
    if (status === 0) {
      if (op === null) throw new FsProtocolError("FSIF_UNKNOWN_OP", "success answering an undecoded request");
      return { ...layoutOf(op).read(view, 0), op, id, ok: true } as FsResponse;
    }
    const code = errnoNameOf(status);
    if (code === undefined)
      throw new FsProtocolError("FSIF_OUT_OF_RANGE", `status ${status} is not a known -errno`);
    FAILED_BODY.read(view, 0);
    return { op, id, ok: false, code };
  },

  rawId(slot) {
    return slot.length === FSIF_SLOT_SIZE ? slotView(slot).getUint16(ID, true) : undefined;
  },
};

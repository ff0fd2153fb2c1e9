// The test protocol shared with test/c/ring_peer.c:
//   struct echo_request  { uint32_t id; uint16_t op; uint16_t len; uint8_t data[24]; };  32 bytes
//   struct echo_response { uint32_t id; int32_t status; uint32_t value; };               12 bytes
import { defineRingTypes, type SlotCodec, SlotError } from "../src/index.js";

export const ECHO_OP = { SUM: 1, XOR: 2 } as const;
export type EchoOp = (typeof ECHO_OP)[keyof typeof ECHO_OP];
export const ECHO_DATA_MAX = 24;
export const EINVAL = 22;

export interface EchoRequest {
  readonly id: number;
  readonly op: EchoOp;
  readonly data: Uint8Array;
}

export interface EchoResponse {
  readonly id: number;
  readonly status: number;
  readonly value: number;
}

const view = (slot: Uint8Array) => new DataView(slot.buffer, slot.byteOffset, slot.byteLength);

export const echoRequest: SlotCodec<EchoRequest> = {
  size: 32,
  encode(req, slot) {
    if (req.data.length > ECHO_DATA_MAX) throw new RangeError(`data of ${req.data.length} bytes`);
    const v = view(slot);
    v.setUint32(0, req.id, true);
    v.setUint16(4, req.op, true);
    v.setUint16(6, req.data.length, true);
    slot.set(req.data, 8);
  },
  decode(slot) {
    const v = view(slot);
    const op = v.getUint16(4, true);
    const len = v.getUint16(6, true);
    if (op !== ECHO_OP.SUM && op !== ECHO_OP.XOR) throw new SlotError(`unknown op ${op}`);
    if (len > ECHO_DATA_MAX) throw new SlotError(`data length ${len} over ${ECHO_DATA_MAX}`);
    return { id: v.getUint32(0, true), op, data: slot.slice(8, 8 + len) };
  },
  rawId: (slot) => view(slot).getUint32(0, true),
};

export const echoResponse: SlotCodec<EchoResponse> = {
  size: 12,
  encode(rsp, slot) {
    const v = view(slot);
    v.setUint32(0, rsp.id, true);
    v.setInt32(4, rsp.status, true);
    v.setUint32(8, rsp.value, true);
  },
  decode(slot) {
    const v = view(slot);
    return { id: v.getUint32(0, true), status: v.getInt32(4, true), value: v.getUint32(8, true) };
  },
};

export const echoTypes = defineRingTypes(echoRequest, echoResponse);

/** What a backend answers. */
export function answer(req: EchoRequest): EchoResponse {
  const value =
    req.op === ECHO_OP.SUM ? req.data.reduce((a, b) => a + b, 0) : req.data.reduce((a, b) => a ^ b, 0);
  return { id: req.id, status: 0, value };
}

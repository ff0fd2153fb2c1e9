// The echo device's ring protocol, as its C header would say it:
//
//   struct echo_request  { uint32_t id; uint16_t len; uint8_t payload[48]; };               // 56
//   struct echo_response { uint32_t id; int16_t status; uint16_t len; uint8_t payload[48]; }; // 56
//   DEFINE_RING_TYPES(echo, struct echo_request, struct echo_response);                        // 64 slots
//
// The response carries the request's id, so answers may come in any order; status is 0 or
// −errno (−EINVAL for a request that does not decode).
import { defineRingTypes, type SlotCodec, SlotError } from "@xenfs/ring";
import type { DeviceId } from "../paths.js";

export const ECHO_DEVICE: DeviceId = { type: "echo", devid: 0 };
export const ECHO_MAX_PAYLOAD = 48;

export interface EchoRequest {
  readonly id: number;
  readonly payload: Uint8Array;
}

export interface EchoResponse {
  readonly id: number;
  readonly status: number;
  readonly payload: Uint8Array;
}

const view = (slot: Uint8Array) => new DataView(slot.buffer, slot.byteOffset, slot.byteLength);

function payloadAt(slot: Uint8Array, offset: number, len: number): Uint8Array {
  if (len > ECHO_MAX_PAYLOAD) throw new SlotError(`len ${len} > ${ECHO_MAX_PAYLOAD}`);
  return slot.slice(offset, offset + len);
}

const request: SlotCodec<EchoRequest> = {
  size: 56,
  encode(req, slot) {
    if (req.payload.length > ECHO_MAX_PAYLOAD) throw new SlotError(`payload of ${req.payload.length} bytes`);
    view(slot).setUint32(0, req.id, true);
    view(slot).setUint16(4, req.payload.length, true);
    slot.set(req.payload, 6);
  },
  decode: (slot) => ({
    id: view(slot).getUint32(0, true),
    payload: payloadAt(slot, 6, view(slot).getUint16(4, true)),
  }),
  rawId: (slot) => view(slot).getUint32(0, true),
};

const response: SlotCodec<EchoResponse> = {
  size: 56,
  encode(rsp, slot) {
    view(slot).setUint32(0, rsp.id, true);
    view(slot).setInt16(4, rsp.status, true);
    view(slot).setUint16(6, rsp.payload.length, true);
    slot.set(rsp.payload, 8);
  },
  decode: (slot) => ({
    id: view(slot).getUint32(0, true),
    status: view(slot).getInt16(4, true),
    payload: payloadAt(slot, 8, view(slot).getUint16(6, true)),
  }),
};

export const echoRing = defineRingTypes(request, response);

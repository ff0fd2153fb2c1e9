// The echo device's ring protocol, as its C header would say it:
//
//   struct echo_request  { uint32_t id; uint16_t len; uint8_t payload[48]; };               // 56
//   struct echo_response { uint32_t id; int16_t status; uint16_t len; uint8_t payload[48]; }; // 56
//   DEFINE_RING_TYPES(echo, struct echo_request, struct echo_response);                        // 64 slots
//
// The backend offers multi-page rings up to ring-page-order 4 (16 pages: 1024 slots), as blkback
// does; the frontend picks an order up to that.
//
// The response carries the request's id, so answers may come in any order; status is 0 or
// −errno (−EINVAL for a request that does not decode).
import { defineRingTypes, type RingTypes, ringPagesOfOrder, type SlotCodec, SlotError } from "@xenfs/ring";
import type { DeviceId } from "../paths.js";

export const ECHO_DEVICE: DeviceId = { type: "echo", devid: 0 };
export const ECHO_MAX_PAYLOAD = 48;
/** The backend's `max-ring-page-order`: 2^4 pages, 1024 slots. */
export const ECHO_MAX_RING_PAGE_ORDER = 4;

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
    const v = view(slot);
    v.setUint32(0, req.id, true);
    v.setUint16(4, req.payload.length, true);
    slot.set(req.payload, 6);
  },
  decode(slot) {
    const v = view(slot);
    return { id: v.getUint32(0, true), payload: payloadAt(slot, 6, v.getUint16(4, true)) };
  },
  rawId: (slot) => view(slot).getUint32(0, true),
};

const response: SlotCodec<EchoResponse> = {
  size: 56,
  encode(rsp, slot) {
    const v = view(slot);
    v.setUint32(0, rsp.id, true);
    v.setInt16(4, rsp.status, true);
    v.setUint16(6, rsp.payload.length, true);
    slot.set(rsp.payload, 8);
  },
  decode(slot) {
    const v = view(slot);
    return {
      id: v.getUint32(0, true),
      status: v.getInt16(4, true),
      payload: payloadAt(slot, 8, v.getUint16(6, true)),
    };
  },
};

/** The one-page ring (ring-page-order 0). */
export const echoRing = defineRingTypes(request, response);

const byOrder = new Map<number, RingTypes<EchoRequest, EchoResponse>>([[0, echoRing]]);

/** The ring over 2^order pages: __CONST_RING_SIZE(echo, PAGE_SIZE << order) slots. */
export function echoRingOfOrder(order: number): RingTypes<EchoRequest, EchoResponse> {
  let types = byOrder.get(order);
  if (!types) {
    types = defineRingTypes(request, response, ringPagesOfOrder(order));
    byOrder.set(order, types);
  }
  return types;
}

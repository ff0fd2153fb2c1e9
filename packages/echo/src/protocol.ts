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
import type { DeviceId } from "@xenfs/xenbus";

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

// Little-endian fields by hand: no DataView per slot (the codecs run once per request).
const u16 = (slot: Uint8Array, at: number) => (slot[at] ?? 0) | ((slot[at + 1] ?? 0) << 8);
const u32 = (slot: Uint8Array, at: number) => (u16(slot, at) | (u16(slot, at + 2) << 16)) >>> 0;
const i16 = (slot: Uint8Array, at: number) => (u16(slot, at) << 16) >> 16;
function put16(slot: Uint8Array, at: number, value: number): void {
  slot[at] = value & 0xff;
  slot[at + 1] = (value >>> 8) & 0xff;
}
function put32(slot: Uint8Array, at: number, value: number): void {
  put16(slot, at, value & 0xffff);
  put16(slot, at + 2, value >>> 16);
}

function payloadAt(slot: Uint8Array, offset: number, len: number): Uint8Array {
  if (len > ECHO_MAX_PAYLOAD) throw new SlotError(`len ${len} > ${ECHO_MAX_PAYLOAD}`);
  return slot.slice(offset, offset + len);
}

const request: SlotCodec<EchoRequest> = {
  size: 56,
  encode(req, slot) {
    if (req.payload.length > ECHO_MAX_PAYLOAD) throw new SlotError(`payload of ${req.payload.length} bytes`);
    put32(slot, 0, req.id);
    put16(slot, 4, req.payload.length);
    slot.set(req.payload, 6);
  },
  decode: (slot) => ({ id: u32(slot, 0), payload: payloadAt(slot, 6, u16(slot, 4)) }),
  rawId: (slot) => u32(slot, 0),
};

const response: SlotCodec<EchoResponse> = {
  size: 56,
  encode(rsp, slot) {
    put32(slot, 0, rsp.id);
    put16(slot, 4, rsp.status);
    put16(slot, 6, rsp.payload.length);
    slot.set(rsp.payload, 8);
  },
  decode: (slot) => ({ id: u32(slot, 0), status: i16(slot, 4), payload: payloadAt(slot, 8, u16(slot, 6)) }),
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

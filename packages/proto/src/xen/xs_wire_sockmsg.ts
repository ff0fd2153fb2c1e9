// The xs_wire framing: struct xsd_sockmsg { u32 type, req_id, tx_id, len } (little-endian), then len bytes.
import { WireError } from "../errors.js";
import { XENSTORE_PAYLOAD_MAX, XSD_SOCKMSG_SIZE } from "./xs_wire.js";

export interface XsdSockmsgHeader {
  readonly type: number;
  readonly req_id: number;
  readonly tx_id: number;
  readonly len: number;
}

export interface XsdSockmsg {
  readonly type: number;
  readonly req_id: number;
  readonly tx_id: number;
  readonly payload: Uint8Array;
}

const U32_MAX = 0xffff_ffff;

export function encodeXsdSockmsg(msg: XsdSockmsg): Uint8Array {
  for (const field of ["type", "req_id", "tx_id"] as const) {
    const v = msg[field];
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX)
      throw new WireError("EBADMSG", `${field} ${v} is not a u32`);
  }
  if (msg.payload.length > XENSTORE_PAYLOAD_MAX) {
    throw new WireError("EMSGSIZE", `payload of ${msg.payload.length} bytes exceeds XENSTORE_PAYLOAD_MAX`);
  }
  const frame = new Uint8Array(XSD_SOCKMSG_SIZE + msg.payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, msg.type, true);
  view.setUint32(4, msg.req_id, true);
  view.setUint32(8, msg.tx_id, true);
  view.setUint32(12, msg.payload.length, true);
  frame.set(msg.payload, XSD_SOCKMSG_SIZE);
  return frame;
}

/** The header at the start of `bytes`; a len over XENSTORE_PAYLOAD_MAX is refused as xenstored does. */
export function decodeXsdSockmsgHeader(bytes: Uint8Array): XsdSockmsgHeader {
  if (bytes.length < XSD_SOCKMSG_SIZE) throw new WireError("EBADMSG", "short xsd_sockmsg header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, XSD_SOCKMSG_SIZE);
  const header = {
    type: view.getUint32(0, true),
    req_id: view.getUint32(4, true),
    tx_id: view.getUint32(8, true),
    len: view.getUint32(12, true),
  };
  if (header.len > XENSTORE_PAYLOAD_MAX) {
    throw new WireError("EMSGSIZE", `len ${header.len} exceeds XENSTORE_PAYLOAD_MAX`);
  }
  return header;
}

/** Every complete message at the front of `bytes`, and the incomplete rest. */
export function decodeXsdSockmsgs(bytes: Uint8Array): { messages: XsdSockmsg[]; rest: Uint8Array } {
  const messages: XsdSockmsg[] = [];
  let at = 0;
  while (bytes.length - at >= XSD_SOCKMSG_SIZE) {
    const { type, req_id, tx_id, len } = decodeXsdSockmsgHeader(bytes.subarray(at));
    const end = at + XSD_SOCKMSG_SIZE + len;
    if (end > bytes.length) break;
    messages.push({ type, req_id, tx_id, payload: bytes.slice(at + XSD_SOCKMSG_SIZE, end) });
    at = end;
  }
  return { messages, rest: bytes.slice(at) };
}

/** Reassembles a byte stream cut anywhere; after a bad header it refuses everything. */
export class XsdSockmsgDecoder {
  #buffered: Uint8Array = new Uint8Array(0);
  #failed: WireError | undefined;

  push(chunk: Uint8Array): XsdSockmsg[] {
    if (this.#failed) throw this.#failed;
    const joined = new Uint8Array(this.#buffered.length + chunk.length);
    joined.set(this.#buffered);
    joined.set(chunk, this.#buffered.length);
    try {
      const { messages, rest } = decodeXsdSockmsgs(joined);
      this.#buffered = rest;
      return messages;
    } catch (error) {
      if (error instanceof WireError) this.#failed = error;
      throw error;
    }
  }
}

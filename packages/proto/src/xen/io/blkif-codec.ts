// Pure codecs for io/blkif.h's ring entries and indirect segment pages: each value to and from
// exactly the bytes the C structs hold (zero padding included), with the header's limits.
import {
  BLKIF_MAX_INDIRECT_SEGMENTS,
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP,
  BLKIF_REQUEST,
  BLKIF_REQUEST_DISCARD,
  BLKIF_REQUEST_INDIRECT,
  BLKIF_REQUEST_SEGMENT,
  BLKIF_RESPONSE,
  BLKIF_SEGS_PER_INDIRECT_FRAME,
  blkifIndirectPages,
} from "./blkif.js";
import { BlkifError } from "./blkif-error.js";

/** struct blkif_request_segment: sectors first_sect..last_sect (inclusive) of page `gref`. */
export interface BlkifSegment {
  readonly gref: number;
  readonly first_sect: number;
  readonly last_sect: number;
}

/** struct blkif_request: READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE; nr_segments is seg.length. */
export interface BlkifRwRequest {
  readonly operation: 0 | 1 | 2 | 3;
  readonly handle: number;
  readonly id: bigint;
  readonly sector_number: bigint;
  readonly seg: readonly BlkifSegment[];
}

/** struct blkif_request_discard. */
export interface BlkifDiscardRequest {
  readonly operation: typeof BLKIF_OP.DISCARD;
  readonly flag: number;
  readonly handle: number;
  readonly id: bigint;
  readonly sector_number: bigint;
  readonly nr_sectors: bigint;
}

/** struct blkif_request_indirect: the segments sit in the pages of indirect_grefs. */
export interface BlkifIndirectRequest {
  readonly operation: typeof BLKIF_OP.INDIRECT;
  readonly indirect_op: typeof BLKIF_OP.READ | typeof BLKIF_OP.WRITE;
  readonly nr_segments: number;
  readonly handle: number;
  readonly id: bigint;
  readonly sector_number: bigint;
  /** INDIRECT_PAGES(nr_segments) grants, one per page of segments. */
  readonly indirect_grefs: readonly number[];
}

/** Any other operation (Linux's blkif_request_other): only its id is read, to answer EOPNOTSUPP. */
export interface BlkifOtherRequest {
  readonly operation: number;
  readonly id: bigint;
}

export type BlkifRequest = BlkifRwRequest | BlkifDiscardRequest | BlkifIndirectRequest | BlkifOtherRequest;

/** struct blkif_response. */
export interface BlkifResponse {
  readonly id: bigint;
  readonly operation: number;
  readonly status: number;
}

const RW_OPS: ReadonlySet<number> = new Set([
  BLKIF_OP.READ,
  BLKIF_OP.WRITE,
  BLKIF_OP.WRITE_BARRIER,
  BLKIF_OP.FLUSH_DISKCACHE,
]);

export function isRwRequest(req: BlkifRequest): req is BlkifRwRequest {
  return RW_OPS.has(req.operation);
}
export function isIndirectRequest(req: BlkifRequest): req is BlkifIndirectRequest {
  return req.operation === BLKIF_OP.INDIRECT;
}
export function isDiscardRequest(req: BlkifRequest): req is BlkifDiscardRequest {
  return req.operation === BLKIF_OP.DISCARD;
}

const U64 = (1n << 64n) - 1n;

function uint(what: string, value: number, max: number, operation?: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new BlkifError("EINVAL", `${what} ${value} is not an integer in 0..${max}`, operation);
  return value;
}

function u64(what: string, value: bigint, operation?: number): bigint {
  if (typeof value !== "bigint" || value < 0n || value > U64)
    throw new BlkifError("EINVAL", `${what} ${value} is not a u64`, operation);
  return value;
}

function view(bytes: Uint8Array, size: number, what: string): DataView {
  if (bytes.length < size) throw new BlkifError("EINVAL", `${what} needs ${size} bytes, got ${bytes.length}`);
  return new DataView(bytes.buffer, bytes.byteOffset, size);
}

function putSegment(dv: DataView, at: number, seg: BlkifSegment, operation?: number): void {
  dv.setUint32(at + BLKIF_REQUEST_SEGMENT.gref, uint("gref", seg.gref, 0xffffffff, operation), true);
  dv.setUint8(at + BLKIF_REQUEST_SEGMENT.first_sect, uint("first_sect", seg.first_sect, 0xff, operation));
  dv.setUint8(at + BLKIF_REQUEST_SEGMENT.last_sect, uint("last_sect", seg.last_sect, 0xff, operation));
}

function getSegment(dv: DataView, at: number): BlkifSegment {
  return {
    gref: dv.getUint32(at + BLKIF_REQUEST_SEGMENT.gref, true),
    first_sect: dv.getUint8(at + BLKIF_REQUEST_SEGMENT.first_sect),
    last_sect: dv.getUint8(at + BLKIF_REQUEST_SEGMENT.last_sect),
  };
}

/** Writes `req` into `slot` (at least sizeof(struct blkif_request) bytes, zero-filled). */
export function encodeBlkifRequest(req: BlkifRequest, slot: Uint8Array): void {
  const dv = view(slot, BLKIF_REQUEST.size, "blkif_request");
  const op = uint("operation", req.operation, 0xff);
  dv.setUint8(BLKIF_REQUEST.operation, op);
  dv.setBigUint64(BLKIF_REQUEST.id, u64("id", req.id, op), true);
  if (isRwRequest(req)) {
    if (req.seg.length > BLKIF_MAX_SEGMENTS_PER_REQUEST)
      throw new BlkifError("E2BIG", `${req.seg.length} segments > ${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, op);
    dv.setUint8(BLKIF_REQUEST.nr_segments, req.seg.length);
    dv.setUint16(BLKIF_REQUEST.handle, uint("handle", req.handle, 0xffff, op), true);
    dv.setBigUint64(BLKIF_REQUEST.sector_number, u64("sector_number", req.sector_number, op), true);
    for (const [i, seg] of req.seg.entries())
      putSegment(dv, BLKIF_REQUEST.seg + i * BLKIF_REQUEST_SEGMENT.size, seg, op);
  } else if (isDiscardRequest(req)) {
    const D = BLKIF_REQUEST_DISCARD;
    dv.setUint8(D.flag, uint("flag", req.flag, 0xff, op));
    dv.setUint16(D.handle, uint("handle", req.handle, 0xffff, op), true);
    dv.setBigUint64(D.sector_number, u64("sector_number", req.sector_number, op), true);
    dv.setBigUint64(D.nr_sectors, u64("nr_sectors", req.nr_sectors, op), true);
  } else if (isIndirectRequest(req)) {
    const I = BLKIF_REQUEST_INDIRECT;
    checkIndirect(req.indirect_op, req.nr_segments, op);
    const pages = blkifIndirectPages(req.nr_segments);
    if (req.indirect_grefs.length !== pages)
      throw new BlkifError(
        "EINVAL",
        `${req.nr_segments} segments need ${pages} indirect grefs, not ${req.indirect_grefs.length}`,
        op,
      );
    dv.setUint8(I.indirect_op, req.indirect_op);
    dv.setUint16(I.nr_segments, req.nr_segments, true);
    dv.setBigUint64(I.sector_number, u64("sector_number", req.sector_number, op), true);
    dv.setUint16(I.handle, uint("handle", req.handle, 0xffff, op), true);
    req.indirect_grefs.forEach((gref, i) => {
      dv.setUint32(I.indirect_grefs + 4 * i, uint("indirect gref", gref, 0xffffffff, op), true);
    });
  }
}

function checkIndirect(indirectOp: number, nrSegments: number, op: number): void {
  if (indirectOp !== BLKIF_OP.READ && indirectOp !== BLKIF_OP.WRITE)
    throw new BlkifError("EINVAL", `indirect_op ${indirectOp} is neither READ nor WRITE`, op);
  if (!Number.isInteger(nrSegments) || nrSegments < 1 || nrSegments > BLKIF_MAX_INDIRECT_SEGMENTS)
    throw new BlkifError(
      "E2BIG",
      `indirect nr_segments ${nrSegments} is outside 1..${BLKIF_MAX_INDIRECT_SEGMENTS}`,
      op,
    );
}

/** Reads one request from a private copy of its slot; throws BlkifError past the header's limits. */
export function decodeBlkifRequest(slot: Uint8Array): BlkifRequest {
  const dv = view(slot, BLKIF_REQUEST.size, "blkif_request");
  const operation = dv.getUint8(BLKIF_REQUEST.operation);
  const id = dv.getBigUint64(BLKIF_REQUEST.id, true);
  if (RW_OPS.has(operation)) {
    const nr = dv.getUint8(BLKIF_REQUEST.nr_segments);
    if (nr > BLKIF_MAX_SEGMENTS_PER_REQUEST)
      throw new BlkifError("E2BIG", `nr_segments ${nr} > ${BLKIF_MAX_SEGMENTS_PER_REQUEST}`, operation);
    const seg = Array.from({ length: nr }, (_, i) =>
      getSegment(dv, BLKIF_REQUEST.seg + i * BLKIF_REQUEST_SEGMENT.size),
    );
    return {
      operation: operation as BlkifRwRequest["operation"],
      handle: dv.getUint16(BLKIF_REQUEST.handle, true),
      id,
      sector_number: dv.getBigUint64(BLKIF_REQUEST.sector_number, true),
      seg,
    };
  }
  if (operation === BLKIF_OP.DISCARD) {
    const D = BLKIF_REQUEST_DISCARD;
    return {
      operation,
      flag: dv.getUint8(D.flag),
      handle: dv.getUint16(D.handle, true),
      id,
      sector_number: dv.getBigUint64(D.sector_number, true),
      nr_sectors: dv.getBigUint64(D.nr_sectors, true),
    };
  }
  if (operation === BLKIF_OP.INDIRECT) {
    const I = BLKIF_REQUEST_INDIRECT;
    const indirect_op = dv.getUint8(I.indirect_op);
    const nr_segments = dv.getUint16(I.nr_segments, true);
    checkIndirect(indirect_op, nr_segments, operation);
    const indirect_grefs = Array.from({ length: blkifIndirectPages(nr_segments) }, (_, i) =>
      dv.getUint32(I.indirect_grefs + 4 * i, true),
    );
    return {
      operation,
      indirect_op: indirect_op as BlkifIndirectRequest["indirect_op"],
      nr_segments,
      handle: dv.getUint16(I.handle, true),
      id,
      sector_number: dv.getBigUint64(I.sector_number, true),
      indirect_grefs,
    };
  }
  return { operation, id };
}

/** The request's id from raw bytes (it sits at offset 8 in every variant), if it fits a number. */
export function blkifRequestRawId(slot: Uint8Array): number | undefined {
  if (slot.length < BLKIF_REQUEST.size) return undefined;
  const id = new DataView(slot.buffer, slot.byteOffset).getBigUint64(BLKIF_REQUEST.id, true);
  return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : undefined;
}

export function encodeBlkifResponse(rsp: BlkifResponse, slot: Uint8Array): void {
  const dv = view(slot, BLKIF_RESPONSE.size, "blkif_response");
  dv.setBigUint64(BLKIF_RESPONSE.id, u64("id", rsp.id), true);
  dv.setUint8(BLKIF_RESPONSE.operation, uint("operation", rsp.operation, 0xff));
  if (!Number.isInteger(rsp.status) || rsp.status < -0x8000 || rsp.status > 0x7fff)
    throw new BlkifError("EINVAL", `status ${rsp.status} is not an int16`);
  dv.setInt16(BLKIF_RESPONSE.status, rsp.status, true);
}

export function decodeBlkifResponse(slot: Uint8Array): BlkifResponse {
  const dv = view(slot, BLKIF_RESPONSE.size, "blkif_response");
  return {
    id: dv.getBigUint64(BLKIF_RESPONSE.id, true),
    operation: dv.getUint8(BLKIF_RESPONSE.operation),
    status: dv.getInt16(BLKIF_RESPONSE.status, true),
  };
}

/** An indirect page's bytes: `segs` as the array of blkif_request_segment the backend reads. */
export function encodeIndirectSegments(segs: readonly BlkifSegment[], page: Uint8Array): void {
  if (segs.length > BLKIF_SEGS_PER_INDIRECT_FRAME)
    throw new BlkifError("E2BIG", `${segs.length} segments > ${BLKIF_SEGS_PER_INDIRECT_FRAME} in one page`);
  const dv = view(page, segs.length * BLKIF_REQUEST_SEGMENT.size, "indirect page");
  for (const [i, seg] of segs.entries()) putSegment(dv, i * BLKIF_REQUEST_SEGMENT.size, seg);
}

/** The first `count` segments of an indirect page. */
export function decodeIndirectSegments(page: Uint8Array, count: number): BlkifSegment[] {
  uint("segments in one indirect page", count, BLKIF_SEGS_PER_INDIRECT_FRAME);
  const dv = view(page, count * BLKIF_REQUEST_SEGMENT.size, "indirect page");
  return Array.from({ length: count }, (_, i) => getSegment(dv, i * BLKIF_REQUEST_SEGMENT.size));
}

/**
 * The ring's two slot codecs, shaped as @xenfs/ring's SlotCodec (proto does not depend on the
 * ring): DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response).
 */
export const blkifRequestCodec = {
  size: BLKIF_REQUEST.size,
  encode: encodeBlkifRequest,
  decode: decodeBlkifRequest,
  rawId: blkifRequestRawId,
} as const;

export const blkifResponseCodec = {
  size: BLKIF_RESPONSE.size,
  encode: encodeBlkifResponse,
  decode: decodeBlkifResponse,
  rawId: (slot: Uint8Array): number | undefined => {
    if (slot.length < BLKIF_RESPONSE.size) return undefined;
    const id = new DataView(slot.buffer, slot.byteOffset).getBigUint64(0, true);
    return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : undefined;
  },
} as const;

// xen/include/public/io/blkif.h: the virtual block device's requests and responses, as laid
// out on x86_64 (Debian's header; the i386 padding of blkif_request_indirect is not ours).
// See docs/blkif.md.

/** blkif_request.operation (BLKIF_OP_*). */
export const BLKIF_OP = {
  READ: 0,
  WRITE: 1,
  /** Ordered write; recent backends do not offer it (`feature-barrier`). */
  WRITE_BARRIER: 2,
  /** Commit the device's write cache (`feature-flush-cache`). */
  FLUSH_DISKCACHE: 3,
  RESERVED_1: 4,
  /** blkif_request_discard (`feature-discard`). */
  DISCARD: 5,
  /** blkif_request_indirect: segments in granted pages (`feature-max-indirect-segments`). */
  INDIRECT: 6,
} as const;
export type BlkifOp = (typeof BLKIF_OP)[keyof typeof BLKIF_OP];

/** blkif_response.status (BLKIF_RSP_*). */
export const BLKIF_RSP = {
  /** Operation not supported (only happens on barrier writes). */
  EOPNOTSUPP: -2,
  /** Operation failed for some unspecified reason (-EIO). */
  ERROR: -1,
  OKAY: 0,
} as const;
export type BlkifRsp = (typeof BLKIF_RSP)[keyof typeof BLKIF_RSP];

/** The backend's `info` key: a bit set of VDISK_*. */
export const VDISK = {
  CDROM: 0x1,
  REMOVABLE: 0x2,
  READONLY: 0x4,
} as const;

/** blkif_request_discard.flag. */
export const BLKIF_DISCARD_SECURE = 1 << 0;

/** Segments a direct request carries (so that the ring fits a page with its indices). */
export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
/** Indirect segment pages one blkif_request_indirect may name. */
export const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8;

/** Ring and segment pages are 4 KiB whatever the architecture. */
export const BLKIF_PAGE_SIZE = 4096;
/**
 * Sector-based quantities (sector_number, first_sect, last_sect, discard's nr_sectors) count
 * 512-byte sectors unless the frontend advertises `feature-large-sector-size`, which this
 * implementation never does; `sector-size` itself must be a power of two ≥ 512.
 */
export const BLKIF_SECTOR_SIZE = 512;
export const BLKIF_SECTOR_SHIFT = 9;
/** Sectors in one segment page: first_sect ≤ last_sect < 8. */
export const BLKIF_SECTORS_PER_PAGE = BLKIF_PAGE_SIZE / BLKIF_SECTOR_SIZE;

/** sizeof, and offsetof each field, on x86_64. */
export const BLKIF_REQUEST_SEGMENT = { size: 8, gref: 0, first_sect: 4, last_sect: 5 } as const;
export const BLKIF_REQUEST = {
  size: 112,
  operation: 0,
  nr_segments: 1,
  handle: 2,
  id: 8,
  sector_number: 16,
  seg: 24,
} as const;
export const BLKIF_REQUEST_DISCARD = {
  size: 32,
  operation: 0,
  flag: 1,
  handle: 2,
  id: 8,
  sector_number: 16,
  nr_sectors: 24,
} as const;
export const BLKIF_REQUEST_INDIRECT = {
  size: 64,
  operation: 0,
  indirect_op: 1,
  nr_segments: 2,
  id: 8,
  sector_number: 16,
  handle: 24,
  indirect_grefs: 28,
} as const;
export const BLKIF_RESPONSE = { size: 16, id: 0, operation: 8, status: 10 } as const;

/** Segments one indirect page holds: PAGE_SIZE / sizeof(struct blkif_request_segment). */
export const BLKIF_SEGS_PER_INDIRECT_FRAME = BLKIF_PAGE_SIZE / BLKIF_REQUEST_SEGMENT.size;
/** The most segments an indirect request can name: 8 pages of 512. */
export const BLKIF_MAX_INDIRECT_SEGMENTS =
  BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BLKIF_SEGS_PER_INDIRECT_FRAME;

/** INDIRECT_PAGES(segs): the indirect pages `segments` segments fill. */
export function blkifIndirectPages(segments: number): number {
  return Math.ceil(segments / BLKIF_SEGS_PER_INDIRECT_FRAME);
}

/** The XenStore keys of a vbd (blkif.h "XenBus nodes"), backend's then frontend's. */
export const BLKIF_KEY = {
  sectorSize: "sector-size",
  physicalSectorSize: "physical-sector-size",
  sectors: "sectors",
  info: "info",
  mode: "mode",
  featureFlushCache: "feature-flush-cache",
  featureBarrier: "feature-barrier",
  featureDiscard: "feature-discard",
  featurePersistent: "feature-persistent",
  featureMaxIndirectSegments: "feature-max-indirect-segments",
  maxRingPageOrder: "max-ring-page-order",
  /** Frontend: it uses persistent grants. */
  persistent: "persistent",
  ringPageOrder: "ring-page-order",
  protocol: "protocol",
} as const;

/** XEN_IO_PROTO_ABI_X86_64: the only ABI these layouts describe. */
export const XEN_IO_PROTO_ABI_NATIVE = "x86_64-abi";

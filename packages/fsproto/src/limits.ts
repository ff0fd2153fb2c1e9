import { XEN_PAGE_SIZE } from "@xenfs/proto";

export const PAGE_SIZE = XEN_PAGE_SIZE;

/** The ring spans 2^order pages: one, so the backend offers `max-ring-page-order` 0. */
export const FSIF_RING_PAGE_ORDER = 0;

/**
 * Bytes per ring slot. A ring page holds (4096 − 64) / size entries rounded down to a power of
 * two: fsif's 64-byte slots give 32 entries and leave half the page unused, so any size up to
 * 126 bytes still gives 32. 120 bytes (8-aligned) costs no ring depth, carries a whole stat
 * record in the response and 23 grant references inline. 128 would halve the ring to 16.
 */
export const FSIF_SLOT_SIZE = 120;

/** Request ids are u16: a frontend names at most this many requests at once. */
export const FSIF_ID_SPACE = 0x1_0000;

/** A request's `gen` (the frontend's connection number) is u32, and wraps. */
export const FSIF_GEN_SPACE = 0x1_0000_0000;

/** Request and response header: `type, flags, id, gen` / `id, type, pad, status`. */
export const FSIF_HEADER_SIZE = 8;

/** Grant references carried inline by read, write and map_pages (fsif's FSIF_NR_READ_GNTS). */
export const FSIF_NR_GNTS = 23;

/** Grant references carried inline by release_pages, which has no other arguments. */
export const FSIF_NR_RELEASE_GNTS = 27;

/** Grant references in one indirect gref-list page: a 4-byte header, then u32 refs. */
export const GREF_LIST_MAX = (PAGE_SIZE - 4) / 4;

/** Longest path in bytes, without a terminator (Linux PATH_MAX counts the NUL). */
export const PATH_MAX = 4095;

/** Longest directory entry name in bytes (Linux NAME_MAX). */
export const NAME_MAX = 255;

/**
 * Most accept_transfer refs one flip_refs asks dom0 for, and most dom0 keeps offered to one guest
 * at once (docs/xenfs.md "Page flipping").
 */
export const FLIP_REFS_MAX = 256;

// struct <name>_sring from io/ring.h's DEFINE_RING_TYPES, as byte offsets into the page.
import { RingError } from "./errors.js";

/** Ring protocols use 4 KiB pages whatever the architecture (ring.h, XEN_PAGE_SHIFT 12). */
export const XEN_PAGE_SIZE = 4096;

/**
 * Most pages one ring may span: 16 (order 4), Linux's XENBUS_MAX_RING_GRANT_ORDER and the
 * largest `max-ring-page-order` blkback offers.
 */
export const XEN_MAX_RING_PAGES = 16;

export const SRING = {
  req_prod: 0,
  req_event: 4,
  rsp_prod: 8,
  rsp_event: 12,
  /** union pvt (pvt_pad[4]) then __pad[44]: zeroed by SHARED_RING_INIT. */
  pvt: 16,
  /** offsetof(struct <name>_sring, ring): the entries start here. */
  ring: 64,
} as const;

/** __RD32: round a u32 down to the nearest power of two (0 stays 0). */
export function rd32(x: number): number {
  const v = x >>> 0;
  return v === 0 ? 0 : 2 ** (31 - Math.clz32(v));
}

/**
 * __CONST_RING_SIZE(name, XEN_PAGE_SIZE * pages): how many entries of `entrySize` bytes a ring
 * spanning `pages` 4 KiB pages holds (a multi-page ring of order n has 2^n pages, as blkif's
 * and netif's `ring-page-order`). The sring header sits once, at the start of the first page.
 */
export function ringSize(entrySize: number, pages = 1): number {
  if (!Number.isInteger(pages) || pages < 1 || pages > XEN_MAX_RING_PAGES) {
    throw new RingError("EINVAL", `a ring spans 1..${XEN_MAX_RING_PAGES} pages, not ${pages}`);
  }
  const bytes = XEN_PAGE_SIZE * pages;
  const fits =
    Number.isInteger(entrySize) && entrySize > 0 ? Math.floor((bytes - SRING.ring) / entrySize) : 0;
  if (fits === 0) {
    throw new RingError(
      "EINVAL",
      `entry size ${entrySize} cannot form a ring: it must be an integer in 1..${bytes - SRING.ring}`,
    );
  }
  return rd32(fits);
}

/** The pages of a ring of `order` (`ring-page-order`): 2^order. */
export function ringPagesOfOrder(order: number): number {
  const pages = 2 ** order;
  if (!Number.isInteger(order) || order < 0 || pages > XEN_MAX_RING_PAGES) {
    throw new RingError("EINVAL", `ring page order ${order} is outside 0..${Math.log2(XEN_MAX_RING_PAGES)}`);
  }
  return pages;
}

// struct <name>_sring from io/ring.h's DEFINE_RING_TYPES, as byte offsets into the page.
import { RingError } from "./errors.js";

/** Ring protocols use 4 KiB pages whatever the architecture (ring.h, XEN_PAGE_SHIFT 12). */
export const XEN_PAGE_SIZE = 4096;

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

/** __CONST_RING_SIZE for one 4 KiB page: how many entries of `entrySize` bytes the ring holds. */
export function ringSize(entrySize: number): number {
  const fits =
    Number.isInteger(entrySize) && entrySize > 0 ? Math.floor((XEN_PAGE_SIZE - SRING.ring) / entrySize) : 0;
  if (fits === 0) {
    throw new RingError(
      "EINVAL",
      `entry size ${entrySize} cannot form a ring: it must be an integer in 1..${XEN_PAGE_SIZE - SRING.ring}`,
    );
  }
  return rd32(fits);
}

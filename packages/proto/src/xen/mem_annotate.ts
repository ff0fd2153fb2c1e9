// Extension to memory.h (mem_annotate): what a domain says it uses some of its RAM frames for.
// Xen keeps no such record; the frame map shows it (docs/observing.md#frame-map).

export const XENMEM_PURPOSE = {
  /** Plain RAM: clears an earlier annotation. */
  ram: 0,
  /** dom0's page cache (XenFS pages it grants to guests). */
  page_cache: 1,
  /** A split driver's shared ring (the frontend's frames the backend maps). */
  ring: 2,
  /** A frontend's data pages granted to its backend (blkfront's persistent-grant pool). */
  io_buffer: 3,
} as const;

export type XenmemPurpose = keyof typeof XENMEM_PURPOSE;

/** Most gpfns one mem_annotate takes (one reply's worth of work, as decrease_reservation batches). */
export const MEM_ANNOTATE_MAX_GPFNS = 4096;

/** The purpose's name for its number; undefined for an unknown one. */
export function xenmemPurposeName(value: number): XenmemPurpose | undefined {
  return (Object.keys(XENMEM_PURPOSE) as XenmemPurpose[]).find((k) => XENMEM_PURPOSE[k] === value);
}

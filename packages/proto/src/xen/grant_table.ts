// xen/include/public/grant_table.h (v1)

export const GNTTABOP = {
  map_grant_ref: 0,
  unmap_grant_ref: 1,
  setup_table: 2,
  dump_table: 3,
  transfer: 4,
  copy: 5,
  query_size: 6,
  unmap_and_replace: 7,
  set_version: 8,
  get_status_frames: 9,
  get_version: 10,
  swap_grant_ref: 11,
  cache_flush: 12,
} as const;

/** grant_entry_v1: { u16 flags; u16 domid; u32 frame } — 8 bytes, 512 per 4 KiB frame. */
export const GRANT_ENTRY_V1_SIZE = 8;
export const GRANT_ENTRIES_PER_FRAME = 4096 / GRANT_ENTRY_V1_SIZE;

export const GTF = {
  invalid: 0,
  permit_access: 1,
  accept_transfer: 2,
  transitive: 3,
  type_mask: 3,
  readonly: 1 << 2,
  reading: 1 << 3,
  writing: 1 << 4,
  PWT: 1 << 5,
  PCD: 1 << 6,
  PAT: 1 << 7,
  sub_page: 1 << 8,
  // For GTF_accept_transfer entries the same bits mean:
  transfer_committed: 1 << 2,
  transfer_completed: 1 << 3,
} as const;

export const GNTMAP = {
  device_map: 1 << 0,
  host_map: 1 << 1,
  readonly: 1 << 2,
  application_map: 1 << 3,
  contains_pte: 1 << 4,
  /**
   * Ours (docs/design.md#copy-to-write): read the granter's frame, and on the first write get a
   * private copy. Xen uses bits 0–5 (can_fail is 5) and the guest-available bits from 16.
   */
  copy_to_write: 1 << 8,
} as const;

export const GNTCOPY = {
  source_gref: 1 << 0,
  dest_gref: 1 << 1,
} as const;

export const GNTST = {
  okay: 0,
  general_error: -1,
  bad_domain: -2,
  bad_gntref: -3,
  bad_handle: -4,
  bad_virt_addr: -5,
  bad_dev_addr: -6,
  no_device_space: -7,
  permission_denied: -8,
  bad_page: -9,
  bad_copy_arg: -10,
  address_too_big: -11,
  eagain: -12,
} as const;
export type GnttabStatus = (typeof GNTST)[keyof typeof GNTST];

const GNTST_NAMES = new Map<number, string>(Object.entries(GNTST).map(([k, v]) => [v, `GNTST_${k}`]));
/** `GNTST_bad_gntref` for −3; the stable code carried in replies and errors. */
export function gntstName(status: number): string {
  return GNTST_NAMES.get(status) ?? `GNTST_${status}`;
}

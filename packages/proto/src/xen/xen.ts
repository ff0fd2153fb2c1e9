// xen/include/public/xen.h, memory.h, domctl.h

export const XEN_PAGE_SHIFT = 12;
export const XEN_PAGE_SIZE = 1 << XEN_PAGE_SHIFT;

export const DOMID = {
  FIRST_RESERVED: 0x7ff0,
  SELF: 0x7ff0,
  IO: 0x7ff1,
  XEN: 0x7ff2,
  COW: 0x7ff3,
  INVALID: 0x7ff4,
  IDLE: 0x7fff,
} as const;

/** Guests get domids 1 … DOMID_FIRST_RESERVED − 1; dom0 is 0. */
export const DOMID_MAX_GUEST = DOMID.FIRST_RESERVED - 1;

export const XENMEM = {
  increase_reservation: 0,
  decrease_reservation: 1,
  populate_physmap: 6,
  sharing_op: 22,
} as const;

/** memory.h: XENMEM_sharing_op_* (the subset implemented: nominate and share). */
export const XENMEM_SHARING_OP = {
  nominate_gfn: 0,
  nominate_gref: 1,
  share: 2,
  debug_gfn: 3,
  debug_mfn: 4,
  debug_gref: 5,
  add_physmap: 6,
  audit: 7,
  range_share: 8,
} as const;

/** memory.h: a share refused because a handle is stale (the page changed since nominate). */
export const XENMEM_SHARING_OP_STATUS = {
  S_HANDLE_INVALID: -10,
  C_HANDLE_INVALID: -9,
} as const;

/** The subset of XEN_DOMCTL_* the toolstack uses. */
export const XEN_DOMCTL = {
  createdomain: 1,
  destroydomain: 2,
  pausedomain: 3,
  unpausedomain: 4,
  getdomaininfo: 5,
  shadow_op: 10,
  max_mem: 11,
} as const;

/** domctl.h: XEN_DOMCTL_SHADOW_OP_*, the log-dirty subset (no shadow paging here). */
export const XEN_DOMCTL_SHADOW_OP = {
  OFF: 0,
  ENABLE_LOGDIRTY: 2,
  CLEAN: 11,
  PEEK: 12,
} as const;

/** xen/include/public/sched.h */
export const SCHEDOP = {
  yield: 0,
  block: 1,
  shutdown: 2,
  poll: 3,
  remote_shutdown: 4,
  shutdown_code: 5,
  watchdog: 6,
  pin_override: 7,
} as const;

export const SHUTDOWN = {
  poweroff: 0,
  reboot: 1,
  suspend: 2,
  crash: 3,
  watchdog: 4,
  soft_reset: 5,
} as const;

export const DOMAIN_STATES = ["running", "paused", "dying", "zombie", "dead"] as const;
export type DomainStateName = (typeof DOMAIN_STATES)[number];

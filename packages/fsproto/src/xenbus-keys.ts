// The XenFS device in XenStore: its type and the keys it adds to io/xenbus.h's (state,
// ring-ref, event-channel, max-ring-page-order), as Xen's io/*if.h headers document their
// `feature-*` keys. docs/xenfs.md "Discovery" tells the handshake.

/** The device type: `/local/domain/<id>/device/xenfs/0`, `/local/domain/0/backend/xenfs/<id>/0`. */
export const XENFS_DEVICE = "xenfs";

export const XenfsKey = {
  /** Backend, "1": it serves shared mode (map_pages and release_pages of its page cache). */
  featureSharedPages: "feature-shared-pages",
  /** Backend, "1": it serves copy mode (read and write through pages the guest grants). */
  featureCopy: "feature-copy",
  /**
   * Backend, "1": it serves cow mode: the guest's requests see its own overlay over the export,
   * kept by guest name (docs/xenfs.md "cow mode").
   */
  featureCow: "feature-cow",
  /**
   * Backend, "1": in copy mode it can flip pages (GNTTABOP_transfer) instead of copying them
   * (docs/xenfs.md "Page flipping").
   */
  featurePageFlip: "feature-page-flip",
  /**
   * Frontend, "1": its copy-mode reads offer accept_transfer refs instead of granted pages, and
   * it may flip whole pages of writes to dom0 (write_flip), as netfront's request-rx-copy
   * chooses what its rx grefs mean.
   */
  requestPageFlip: "request-page-flip",
  /** Backend: how many page-cache frames it may grant out, over all guests. */
  exportPages: "export-pages",
  /** Frontend: the mode it uses, one of XENFS_MODE_FEATURE's keys. */
  mode: "mode",
} as const;

/** A `feature-*` key's value when the backend has the feature (absent when it has not). */
export const XENFS_FEATURE_ON = "1";

/** Each mode a frontend may publish as `mode`, and the backend feature it needs. */
export const XENFS_MODE_FEATURE = {
  shared: XenfsKey.featureSharedPages,
  copy: XenfsKey.featureCopy,
  cow: XenfsKey.featureCow,
} as const;

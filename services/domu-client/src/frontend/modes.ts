// XENFS_MODE, and the backend feature key each mode needs (docs/xenfs.md "Discovery").
export const XENFS_MODES = ["shared", "copy", "block"] as const;
export type XenfsModeName = (typeof XENFS_MODES)[number];

/** The modes this frontend implements; `block` is a later issue. */
export const BUILT_MODES = ["shared", "copy"] as const;
export type XenfsMode = (typeof BUILT_MODES)[number];

export const MODE_FEATURE = {
  shared: "feature-shared-pages",
  copy: "feature-copy",
} as const satisfies Record<XenfsMode, string>;

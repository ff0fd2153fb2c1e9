// XENFS_MODE: the modes a guest may be configured with (the backend feature each needs is
// fsproto's XENFS_MODE_FEATURE, docs/xenfs.md "Discovery").
import type { XENFS_MODE_FEATURE } from "@xenfs/fsproto";

export const XENFS_MODES = ["shared", "copy", "cow", "block"] as const;
export type XenfsModeName = (typeof XENFS_MODES)[number];

/**
 * The modes this frontend implements (`block` is blkfront's mount, not this device's). cow reads
 * like shared mode; dom0 gives the guest its own overlay over the export (docs/xenfs.md "cow mode").
 */
export const BUILT_MODES = [
  "shared",
  "copy",
  "cow",
] as const satisfies readonly (keyof typeof XENFS_MODE_FEATURE)[];
export type XenfsMode = (typeof BUILT_MODES)[number];

// How the upper directory records what the base must not show, as OCI image layers (and aufs)
// do on any filesystem: overlayfs's 0/0 character devices need CAP_MKNOD, which dom0 lacks.
import { ExportError } from "../export/index.js";

/** `.wh.<name>` in an upper directory: `<name>` was removed, the base's entry is hidden. */
export const WHITEOUT_PREFIX = ".wh.";
/** In an upper directory: none of the base directory's entries show (a directory made anew). */
export const OPAQUE_MARKER = ".wh..wh..opq";
/** A copy-up's file before it is renamed into place; hidden like every `.wh.` name. */
export const COPY_UP_PREFIX = ".wh..wh..cu.";
/** A page-granular upper file's changed-pages record (page-record.ts), beside the file. */
export const PAGE_RECORD_PREFIX = ".wh..wh..pg.";

export function whiteoutOf(name: string): string {
  return WHITEOUT_PREFIX + name;
}

/** The name a whiteout hides, or undefined for a name that is not one (markers included). */
export function whitedOut(name: string): string | undefined {
  if (!name.startsWith(WHITEOUT_PREFIX) || name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
    return undefined;
  }
  return name.slice(WHITEOUT_PREFIX.length);
}

/** Names the overlay keeps for itself: a cow guest can neither see nor make them. */
export function isReserved(name: string): boolean {
  return name.startsWith(WHITEOUT_PREFIX);
}

export function refuseReserved(name: string, syscall: string, path: string): void {
  if (isReserved(name)) {
    throw new ExportError("EINVAL", {
      syscall,
      path,
      reason: `names starting ${WHITEOUT_PREFIX} are the overlay's`,
    });
  }
}

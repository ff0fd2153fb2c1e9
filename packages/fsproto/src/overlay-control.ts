// How the toolstack asks dom0 about a cow guest's overlay (docs/xenfs.md "cow mode"), the Xen way:
// through XenStore, as `xl shutdown` writes a domain's control/shutdown and the domain watches it.
// dom0 watches its own control/xenfs-overlay; xl writes `<guest name>/request` there and waits for
// `status`; a diff's lines come in `changes/<i>`. Keyed by name: the overlay is the name's.

/** Below dom0's domain path (`/local/domain/0`). */
export const XENFS_OVERLAY_CONTROL = "control/xenfs-overlay";

export const OverlayControlKey = {
  /** Written by the toolstack: one of OVERLAY_REQUESTS. dom0 removes it once answered. */
  request: "request",
  /** Written by dom0 when done: `ok <lines>` or `error <errno name> <message>`. */
  status: "status",
  /** A diff's answer: `changes/0`, `changes/1`, …, each `A|C|D <path>`. */
  changes: "changes",
} as const;

export const OVERLAY_REQUESTS = ["diff", "reset"] as const;
export type OverlayRequest = (typeof OVERLAY_REQUESTS)[number];

export function isOverlayRequest(value: string): value is OverlayRequest {
  return (OVERLAY_REQUESTS as readonly string[]).includes(value);
}

/** dom0's control node for guest `name`'s overlay. */
export function overlayControlPath(name: string): string {
  return `/local/domain/0/${XENFS_OVERLAY_CONTROL}/${name}`;
}

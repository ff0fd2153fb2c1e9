import type { XsChange } from "./database.js";
import { domainPath, isAtOrBelow } from "./paths.js";
import { allows, XS_PERM, type XsCaller } from "./permissions.js";

export interface XsWatch {
  /** Absolute path or special name (`@releaseDomain`). */
  readonly path: string;
  readonly token: string;
  /** Registered relative to the domain path: events are reported relative too. */
  readonly relative: boolean;
}

/** xenstored's fire_watches() match: `subtree` changes reach watches at or above them. */
export function watchFires(watch: XsWatch, change: Pick<XsChange, "path" | "match">): boolean {
  return change.match === "exact" ? watch.path === change.path : isAtOrBelow(change.path, watch.path);
}

/** The path an event reports: the changed path, relative if the watch was registered so. */
export function eventPath(watch: XsWatch, changed: string, domid: number): string {
  return watch.relative ? changed.slice(domainPath(domid).length + 1) : changed;
}

/**
 * xenstored's watch_permitted(): the watcher must be able to read the node (before or after a
 * permission change) or its parent.
 */
export function watchPermitted(caller: XsCaller, change: XsChange): boolean {
  return [change.oldPerms, change.node.perms, change.parentPerms].some(
    (perms) => perms !== undefined && allows(caller, perms, XS_PERM.READ),
  );
}

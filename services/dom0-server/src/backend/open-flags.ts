import { O, O_ACCMODE } from "@xenfs/fsproto";
import type { OpenFlags } from "../export/index.js";
import { XenfsRequestError } from "./errors.js";

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW } = O;

/**
 * Linux open(2) flags → the modes ExportFs opens with: the combinations Node's `fs` flag strings
 * produce, and those flags less O_CREAT|O_EXCL|O_TRUNC, with which a frontend reopens a file
 * after a reconnect. O_EXCL makes O_TRUNC moot.
 */
const MODES = new Map<number, OpenFlags>([
  [O_RDONLY, "r"],
  [O_RDWR, "r+"],
  [O_WRONLY | O_CREAT | O_TRUNC, "w"],
  [O_WRONLY | O_CREAT | O_EXCL, "wx"],
  [O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, "wx"],
  [O_RDWR | O_CREAT | O_TRUNC, "w+"],
  [O_RDWR | O_CREAT | O_EXCL, "wx+"],
  [O_RDWR | O_CREAT | O_TRUNC | O_EXCL, "wx+"],
  [O_WRONLY | O_CREAT | O_APPEND, "a"],
  [O_WRONLY | O_CREAT | O_APPEND | O_EXCL, "ax"],
  [O_RDWR | O_CREAT | O_APPEND, "a+"],
  [O_RDWR | O_CREAT | O_APPEND | O_EXCL, "ax+"],
  [O_WRONLY, "w-existing"],
  [O_WRONLY | O_APPEND, "a-existing"],
  [O_RDWR | O_APPEND, "a+-existing"],
]);

export interface OpenRequestMode {
  readonly flags: OpenFlags;
  readonly readable: boolean;
  readonly append: boolean;
  readonly truncate: boolean;
  /** O_DIRECTORY: fail with ENOTDIR unless the path names a directory. */
  readonly directory: boolean;
  /** O_NOFOLLOW: fail with ELOOP if the last component is a symlink. */
  readonly noFollow: boolean;
}

export function openModeOf(linuxFlags: number): OpenRequestMode {
  const flags = MODES.get(linuxFlags & ~(O_DIRECTORY | O_NOFOLLOW));
  if (flags === undefined) {
    throw new XenfsRequestError("EINVAL", `open flags 0o${linuxFlags.toString(8)} are not supported`);
  }
  return {
    flags,
    readable: (linuxFlags & O_ACCMODE) !== O_WRONLY,
    append: (linuxFlags & O_APPEND) !== 0,
    truncate: (linuxFlags & O_TRUNC) !== 0 && (linuxFlags & O_EXCL) === 0,
    directory: (linuxFlags & O_DIRECTORY) !== 0,
    noFollow: (linuxFlags & O_NOFOLLOW) !== 0,
  };
}

import { lstat, readlink } from "node:fs/promises";
import { isAbsolute, join, sep } from "node:path";
import { type ErrnoName, ExportError, guarded } from "./errors.js";
import { parseGuestPath } from "./guest-path.js";

/** Linux MAXSYMLINKS: links followed in one resolution before ELOOP. */
export const MAX_SYMLINKS = 40;

/** Whether `hostPath` (absolute, symlink-free) is `root` or lies below it. */
export function isInside(root: string, hostPath: string): boolean {
  return hostPath === root || hostPath.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** An entry addressed without following its own name: what lstat, unlink, rename and creates act on. */
export interface ExportEntry {
  /** Where the entry is, or would be, on the host. */
  readonly hostPath: string;
  /** Its directory on the host, symlink-free and inside the export; null for the root itself. */
  readonly parent: string | null;
  /** The directory's components below the root (what a new symlink's target is relative to). */
  readonly parentComponents: readonly string[];
  /** The entry's own name; "" for the root. */
  readonly name: string;
}

type Refuse = (code: ErrnoName, reason: string) => ExportError;

function components(path: string): string[] {
  return path.split("/").filter((part) => part !== "" && part !== ".");
}

/**
 * Walk `names` from the root one component at a time, following symlinks in user space, the way
 * the kernel would but confined like openat2's RESOLVE_BENEATH: a ".." above the root, or an
 * absolute target not under the root, is refused with EXDEV before anything outside is looked at,
 * so a guest cannot even learn whether a host path exists. Returns the symlink-free components.
 */
async function walk(root: string, names: readonly string[], lastMustBeDir: boolean, refuse: Refuse) {
  const stack: string[] = [];
  const queue = [...names];
  let links = 0;
  let via = "";
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (name === "..") {
      if (stack.pop() === undefined) throw refuse("EXDEV", `symlink '${via}' leads out of the export`);
      continue;
    }
    const hostPath = join(root, ...stack, name);
    const stats = await lstat(hostPath);
    if (stats.isSymbolicLink()) {
      links += 1;
      if (links > MAX_SYMLINKS) throw refuse("ELOOP", "too many levels of symbolic links");
      via = [...stack, name].join("/");
      const target = await readlink(hostPath);
      if (isAbsolute(target)) {
        // Prefix test on the raw text: anything after the root goes through this walk's own "..".
        if (!isInside(root, target)) throw refuse("EXDEV", `symlink '${via}' points out of the export`);
        stack.length = 0;
        queue.unshift(...components(target.slice(root.length)));
      } else {
        queue.unshift(...components(target));
      }
      continue;
    }
    if ((queue.length > 0 || lastMustBeDir) && !stats.isDirectory()) {
      throw refuse("ENOTDIR", `'${[...stack, name].join("/")}' is not a directory`);
    }
    stack.push(name);
  }
  return stack;
}

function refuser(syscall: string, guestPath: string): Refuse {
  return (code, reason) => new ExportError(code, { syscall, path: guestPath, reason });
}

/**
 * The host path of an existing entry, every symlink followed (the last one too) and confined to
 * the export. `root` must be the export's realpath. Throws ExportError: EACCES/EINVAL/ENAMETOOLONG
 * for a bad path, EXDEV for a symlink leading out, ENOENT/ENOTDIR/ELOOP as Linux would.
 */
export function resolveInExport(root: string, guestPath: string, syscall = "resolve"): Promise<string> {
  return guarded(syscall, guestPath, async () => {
    const names = parseGuestPath(guestPath, syscall);
    // "file/" and "file/." name a directory: Linux answers ENOTDIR when the entry is not one.
    const namesDirectory = /(^|\/)\.?$/.test(guestPath);
    return join(root, ...(await walk(root, names, namesDirectory, refuser(syscall, guestPath))));
  });
}

/**
 * The entry `guestPath` names, its directory resolved (symlinks followed, confined, must exist and
 * be a directory) and its own name not followed, for operations on the entry itself.
 */
export function resolveEntry(root: string, guestPath: string, syscall = "resolve"): Promise<ExportEntry> {
  return guarded(syscall, guestPath, async () => {
    const names = parseGuestPath(guestPath, syscall);
    const name = names.pop();
    if (name === undefined) return { hostPath: root, parent: null, parentComponents: [], name: "" };
    const parentComponents = await walk(root, names, true, refuser(syscall, guestPath));
    const parent = join(root, ...parentComponents);
    return { hostPath: join(parent, name), parent, parentComponents, name };
  });
}

import { mkdir, rename, rmdir, symlink, unlink } from "node:fs/promises";
import { syncDir } from "./durable.js";
import { type ErrnoName, ExportError, guarded } from "./errors.js";
import { type ExportEntry, resolveEntry } from "./resolve.js";
import { checkSymlinkTarget } from "./symlink-target.js";
import { requireMode } from "./validate.js";

// Changes to the export's names. Each acts on the entry itself (its own name never followed) and
// fsyncs the directory before resolving: the new, removed or moved name survives a crash.

/** An entry that is not the root, so it has a directory to sync. */
type ChildEntry = ExportEntry & { readonly parent: string };

/** The entry at `path`, which must not be the export's root (`rootError` if it is). */
async function child(root: string, path: string, syscall: string, rootError: ErrnoName): Promise<ChildEntry> {
  const entry = await resolveEntry(root, path, syscall);
  if (entry.parent === null) {
    throw new ExportError(rootError, { syscall, path, reason: "the export's root itself cannot be changed" });
  }
  return { ...entry, parent: entry.parent };
}

/** A target that would lead out of the export is refused (EXDEV). */
export function symlinkIn(root: string, target: string, path: string): Promise<void> {
  return guarded("symlink", path, async () => {
    const entry = await child(root, path, "symlink", "EEXIST");
    await symlink(checkSymlinkTarget(target, entry.parentComponents.length, "symlink", path), entry.hostPath);
    await syncDir(entry.parent);
  });
}

/** `mode` is subject to dom0's umask, as for any Node program. */
export function mkdirIn(root: string, path: string, mode: number): Promise<void> {
  return guarded("mkdir", path, async () => {
    const perm = requireMode(mode, { syscall: "mkdir", path });
    const entry = await child(root, path, "mkdir", "EEXIST");
    await mkdir(entry.hostPath, perm);
    await syncDir(entry.parent);
  });
}

export function rmdirIn(root: string, path: string): Promise<void> {
  return guarded("rmdir", path, async () => {
    const entry = await child(root, path, "rmdir", "EBUSY");
    await rmdir(entry.hostPath);
    await syncDir(entry.parent);
  });
}

/** A symlink is removed itself, never what it points to. */
export function unlinkIn(root: string, path: string): Promise<void> {
  return guarded("unlink", path, async () => {
    const entry = await child(root, path, "unlink", "EISDIR");
    await unlink(entry.hostPath);
    await syncDir(entry.parent);
  });
}

export function renameIn(root: string, from: string, to: string): Promise<void> {
  return guarded("rename", from, async () => {
    const source = await child(root, from, "rename", "EBUSY");
    const target = await child(root, to, "rename", "EBUSY");
    await rename(source.hostPath, target.hostPath);
    await syncDir(source.parent);
    if (target.parent !== source.parent) await syncDir(target.parent);
  });
}

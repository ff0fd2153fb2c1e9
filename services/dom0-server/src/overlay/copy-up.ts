// Copy-up: before a cow guest changes anything the base has, the upper gets its own copy (mode
// and times kept, as overlayfs copies up), written aside and renamed into place so a crash leaves
// either no copy or a complete one. The directories above come up first. A file comes up
// page-granular (docs/xenfs.md#cow-mode): sparse, its size the base's, with a changed-pages
// record (none changed yet) that lands before the file does; its unchanged pages stay the
// base's. `whole` copies every byte instead (a rename: the record names no base path).
import { randomUUID } from "node:crypto";
import { chmod, copyFile, mkdir, open, readlink, rename, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { syncDir } from "../export/durable.js";
import { ExportError, guarded, parseGuestPath, resolveEntry } from "../export/index.js";
import type { OverlayFs } from "./overlay-fs.js";
import { baseIdentity, PageRecord, recordPathOf } from "./page-record.js";
import { COPY_UP_PREFIX } from "./whiteout.js";

/** Copy-ups under way, per overlay and path: a second asker waits for the first. */
const UNDER_WAY = new WeakMap<OverlayFs, Map<string, Promise<void>>>();

/** Gives the upper its own `path` (and the directories above it); nothing if it has it already. */
export async function copyUp(overlay: OverlayFs, path: string, options: CopyUpOptions = {}): Promise<void> {
  const names = parseGuestPath(path, "copy-up");
  for (let i = 1; i < names.length; i++) await copyUpOne(overlay, names.slice(0, i).join("/"), {});
  if (names.length > 0) await copyUpOne(overlay, names.join("/"), options);
}

export interface CopyUpOptions {
  /** Every byte of a file, no record. */
  readonly whole?: boolean;
}

function copyUpOne(overlay: OverlayFs, path: string, options: CopyUpOptions): Promise<void> {
  const table = UNDER_WAY.get(overlay) ?? new Map<string, Promise<void>>();
  UNDER_WAY.set(overlay, table);
  const under = table.get(path);
  if (under) return under;
  const work = guarded("copy-up", path, () => copy(overlay, path, options)).finally(() => table.delete(path));
  table.set(path, work);
  return work;
}

async function copy(overlay: OverlayFs, path: string, options: CopyUpOptions): Promise<void> {
  const found = await overlay.probe(path, "copy-up");
  if (found.upper) return;
  const base = found.base;
  if (!base)
    throw new ExportError("ENOENT", { syscall: "copy-up", path, reason: "no such file or directory" });
  const from = (await resolveEntry(overlay.base.root, path, "copy-up")).hostPath;
  const to = await resolveEntry(overlay.upper.root, path, "copy-up");
  const dir = to.parent ?? overlay.upper.root;
  const perm = base.mode & 0o7777;
  if (base.type === "dir") {
    await mkdir(to.hostPath, { mode: perm });
    await chmod(to.hostPath, perm);
  } else if (base.type === "symlink") {
    await symlink(await readlink(from), to.hostPath);
  } else if (base.type === "file") {
    const aside = join(dir, `${COPY_UP_PREFIX}${randomUUID()}`);
    if (options.whole) await copyFile(from, aside);
    else await writeFile(aside, "", { flag: "wx" });
    await chmod(aside, perm);
    const handle = await open(aside, "r+");
    let ino: bigint;
    try {
      if (!options.whole) await handle.truncate(base.size);
      await handle.datasync();
      ino = (await handle.stat({ bigint: true })).ino;
    } finally {
      await handle.close();
    }
    await utimes(aside, Number(base.atimeNs / 1_000_000n) / 1000, Number(base.mtimeNs / 1_000_000n) / 1000);
    // The record first: a sparse file without its record would read zeros for the base's pages.
    if (!options.whole) {
      await new PageRecord(recordPathOf(to.hostPath), String(ino), baseIdentity(base), base.size).save();
    }
    await rename(aside, to.hostPath);
  } else {
    throw new ExportError("EPERM", {
      syscall: "copy-up",
      path,
      reason: "only files, directories and symlinks copy up",
    });
  }
  await syncDir(dir);
}

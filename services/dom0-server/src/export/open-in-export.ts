import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { syncDir } from "./durable.js";
import { ExportError, guarded } from "./errors.js";
import type { OpenMode } from "./open-flags.js";
import { resolveEntry, resolveInExport } from "./resolve.js";
import { identityKey } from "./stat.js";
import { assertOpenedInside } from "./verify-fd.js";

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

export interface OpenedFile {
  readonly handle: FileHandle;
  /** The inode's identity key (stat.ts), fixed for the life of the descriptor. */
  readonly key: string;
  /** The open created the file or dropped its content: its pages are no longer what they were. */
  readonly changed: boolean;
}

/**
 * Runs an O_TRUNC open's `truncate` (truncate and fdatasync) for the file `key`, `size` bytes
 * before it: the backend runs it under the file's lock with the guests' attribute records told
 * first, so no guest reads the old length over pages already emptied.
 */
export type Truncating = (key: string, size: number, truncate: () => Promise<void>) => Promise<void>;

/** Truncates on its own: no page cache or guest to tell. */
const TRUNCATE_ALONE: Truncating = (_key, _size, truncate) => truncate();

interface RawOpen {
  readonly handle: FileHandle;
  /** The directory a new file was created in; null when the file already existed. */
  readonly createdIn: string | null;
}

/**
 * Open the file at `guestPath`. The path is resolved inside the export first, then opened with
 * O_NOFOLLOW (the resolved path is symlink-free, so a link appearing there meanwhile fails with
 * ELOOP) and O_NONBLOCK (opening a FIFO must not block a libuv thread); a create goes into the
 * resolved parent. A non-exclusive create through a dangling symlink is refused (ELOOP) rather
 * than followed.
 */
async function rawOpen(
  root: string,
  guestPath: string,
  mode: OpenMode,
  perm: number,
  syscall: string,
): Promise<RawOpen> {
  const flags = mode.flags | O_NOFOLLOW | O_NONBLOCK;
  if (!mode.exclusive) {
    try {
      const hostPath = await resolveInExport(root, guestPath, syscall);
      return { handle: await open(hostPath, flags), createdIn: null };
    } catch (err) {
      if (!mode.create || !(err instanceof ExportError) || err.code !== "ENOENT") throw err;
    }
  }
  const entry = await resolveEntry(root, guestPath, syscall);
  const handle = await open(entry.hostPath, flags | O_CREAT | (mode.exclusive ? O_EXCL : 0), perm);
  return { handle, createdIn: entry.parent ?? root };
}

/**
 * Open a regular file or directory inside the export, checked after the fact (verify-fd.ts) and,
 * for a new or truncated file, made durable before returning: the open is as good as acknowledged.
 * `perm` is subject to dom0's umask, as for any Node program.
 */
export function openInExport(
  root: string,
  guestPath: string,
  mode: OpenMode,
  perm: number,
  syscall = "open",
  truncating: Truncating = TRUNCATE_ALONE,
): Promise<OpenedFile> {
  return guarded(syscall, guestPath, async () => {
    const { handle, createdIn } = await rawOpen(root, guestPath, mode, perm, syscall);
    try {
      await assertOpenedInside(root, handle, guestPath, syscall);
      const stats = await handle.stat({ bigint: true });
      if (!stats.isFile() && !stats.isDirectory()) {
        // Devices, FIFOs and sockets are not file data; a device node would even reach dom0's disks.
        throw new ExportError("EACCES", { syscall, path: guestPath, reason: "not a regular file" });
      }
      if (mode.create && stats.isDirectory()) {
        // What Linux answers for O_CREAT on a directory; a write-mode open already failed the same way.
        throw new ExportError("EISDIR", { syscall, path: guestPath, reason: "is a directory" });
      }
      if (mode.truncate) {
        await truncating(identityKey(stats), Number(stats.size), async () => {
          await handle.truncate(0);
          await handle.datasync();
        });
      }
      if (createdIn !== null) await syncDir(createdIn);
      return { handle, key: identityKey(stats), changed: createdIn !== null || mode.truncate };
    } catch (err) {
      // The error that refused the open is the one to report, not a failure to close after it.
      await handle.close().catch(() => undefined);
      throw err;
    }
  });
}

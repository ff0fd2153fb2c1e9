import type { BigIntStats } from "node:fs";
import { chmod, type FileHandle, lstat, readlink, statfs } from "node:fs/promises";
import type { OpenFlags } from "@xenfs/fsproto";
import { type DiskIo, REAL_DISK } from "./disk-io.js";
import { ExportError, guarded } from "./errors.js";
import { exportRoot } from "./export-root.js";
import { mkdirIn, renameIn, rmdirIn, symlinkIn, unlinkIn } from "./namespace.js";
import { OpenFileTable } from "./open-files.js";
import { CREATE_EXCLUSIVE, CREATE_ONLY, parseOpenFlags } from "./open-flags.js";
import { openInExport, type Truncating } from "./open-in-export.js";
import { type ReaddirPage, readdirIn } from "./readdir.js";
import { resolveEntry, resolveInExport } from "./resolve.js";
import { type FileStat, identityKey, toFileStat } from "./stat.js";
import { requireInteger, requireMode, requireOffset } from "./validate.js";
import { FileVersions } from "./versions.js";

export const DEFAULT_MAX_OPEN_FILES_PER_GUEST = 256;
/** The most one read returns: a read allocates its buffer before it knows the file's size. */
export const DEFAULT_MAX_IO_BYTES = 1 << 20;

export interface ExportFsOptions {
  readonly maxOpenFilesPerGuest?: number;
  readonly maxIoBytes?: number;
  /** The file I/O under the export: the disk, or disk faults over it (disk-faults.ts). */
  readonly disk?: DiskIo;
}

/** The export's filesystem, from statfs(2). */
export interface ExportStatFs {
  readonly blockSize: number;
  readonly totalBytes: number;
  readonly freeBytes: number;
  /** Free to an unprivileged user (what `df` shows as available). */
  readonly availableBytes: number;
  readonly totalInodes: number;
  readonly freeInodes: number;
}

interface OpenFile {
  readonly handle: FileHandle;
  readonly guestPath: string;
  readonly key: string;
  close(): Promise<void>;
}

/**
 * The exported directory as XenFS sees it: every operation takes a guest path (resolve.ts), returns
 * plain data, and fails with an ExportError carrying a Node errno name, the guest path and why.
 * Writes, truncates, creates and namespace changes are on disk (fdatasync, directory fsync) before
 * their promise resolves, so an acknowledged change survives a crash; chmod is left to the
 * filesystem's journal.
 */
export class ExportFs {
  /** The export's realpath. */
  readonly root: string;
  readonly maxIoBytes: number;
  readonly #files: OpenFileTable<OpenFile>;
  readonly #versions = new FileVersions();
  readonly #disk: DiskIo;

  constructor(root: string, options: ExportFsOptions = {}) {
    this.root = exportRoot(root);
    this.#disk = options.disk ?? REAL_DISK;
    this.#files = new OpenFileTable(options.maxOpenFilesPerGuest ?? DEFAULT_MAX_OPEN_FILES_PER_GUEST);
    this.maxIoBytes = requireInteger(options.maxIoBytes ?? DEFAULT_MAX_IO_BYTES, "maxIoBytes", 1, 1 << 30, {
      syscall: "export",
      path: root,
    });
  }

  // --- by path ---------------------------------------------------------------------------------

  /** Attributes of what `path` names, symlinks followed. */
  stat(path: string): Promise<FileStat> {
    return guarded("stat", path, async () => {
      // lstat of the symlink-free result: a link swapped in meanwhile is reported, never followed.
      return this.#fileStat(await lstat(await resolveInExport(this.root, path, "stat"), { bigint: true }));
    });
  }

  /** Attributes of the entry itself (a symlink is not followed). */
  lstat(path: string): Promise<FileStat> {
    return guarded("lstat", path, async () => {
      const entry = await resolveEntry(this.root, path, "lstat");
      return this.#fileStat(await lstat(entry.hostPath, { bigint: true }));
    });
  }

  /** A page of the directory's entries, sorted by name (readdir.ts). */
  readdir(path: string, cookie?: string | null, maxEntries?: number): Promise<ReaddirPage> {
    return readdirIn(this.root, path, cookie, maxEntries);
  }

  readlink(path: string): Promise<string> {
    return guarded("readlink", path, async () =>
      readlink((await resolveEntry(this.root, path, "readlink")).hostPath),
    );
  }

  /** Create a symlink at `path`; a target that would lead out of the export is refused (EXDEV). */
  symlink(target: string, path: string): Promise<void> {
    return symlinkIn(this.root, target, path);
  }

  /** `mode` is subject to dom0's umask, as for any Node program. */
  mkdir(path: string, mode = 0o777): Promise<void> {
    return mkdirIn(this.root, path, mode);
  }

  rmdir(path: string): Promise<void> {
    return rmdirIn(this.root, path);
  }

  /** Remove a name; a symlink is removed itself, never what it points to. */
  unlink(path: string): Promise<void> {
    return unlinkIn(this.root, path);
  }

  rename(from: string, to: string): Promise<void> {
    return renameIn(this.root, from, to);
  }

  /**
   * Change permission bits of what `path` names. Path-based (Linux has no lchmod, and opening the
   * file would need read access), so unlike the descriptor operations it has the window that
   * README.md describes.
   */
  chmod(path: string, mode: number): Promise<void> {
    return guarded("chmod", path, async () => {
      const perm = requireMode(mode, { syscall: "chmod", path });
      await chmod(await resolveInExport(this.root, path, "chmod"), perm);
    });
  }

  truncate(path: string, size: number): Promise<void> {
    return guarded("truncate", path, async () => {
      const length = requireOffset(size, "size", { syscall: "truncate", path });
      const opened = await openInExport(
        this.root,
        path,
        parseOpenFlags("r+", "truncate", path),
        0,
        "truncate",
      );
      try {
        await this.#truncate(opened.handle, opened.key, length, path);
      } finally {
        await opened.handle.close();
      }
    });
  }

  /**
   * Create a regular file. Exclusive: EEXIST if the name exists. Otherwise an existing file is left
   * as it is (NFS's UNCHECKED create). Returns the file's attributes.
   */
  create(path: string, mode: number, options: { readonly exclusive: boolean }): Promise<FileStat> {
    return guarded("create", path, async () => {
      const perm = requireMode(mode, { syscall: "create", path });
      const openMode = options.exclusive ? CREATE_EXCLUSIVE : CREATE_ONLY;
      const opened = await openInExport(this.root, path, openMode, perm, "create");
      try {
        if (opened.changed) this.#versions.bump(opened.key);
        return this.#fileStat(await opened.handle.stat({ bigint: true }));
      } finally {
        await opened.handle.close();
      }
    });
  }

  statfs(): Promise<ExportStatFs> {
    return guarded("statfs", "", async () => {
      const fs = await statfs(this.root, { bigint: true });
      return {
        blockSize: Number(fs.bsize),
        totalBytes: Number(fs.blocks * fs.bsize),
        freeBytes: Number(fs.bfree * fs.bsize),
        availableBytes: Number(fs.bavail * fs.bsize),
        totalInodes: Number(fs.files),
        freeInodes: Number(fs.ffree),
      };
    });
  }

  // --- by open-file id, per guest --------------------------------------------------------------

  /**
   * Open `path` for guest `domid` and return the id its later calls name it by. `mode` applies
   * when the open creates the file; `truncating` runs an O_TRUNC's truncate (open-in-export.ts).
   * EMFILE when the guest has its limit open.
   */
  async open(
    domid: number,
    path: string,
    flags: OpenFlags,
    mode = 0o666,
    truncating?: Truncating,
  ): Promise<number> {
    const openMode = parseOpenFlags(flags, "open", path);
    const perm = requireMode(mode, { syscall: "open", path });
    const id = this.#files.reserve(domid, "open", path);
    try {
      const opened = await openInExport(this.root, path, openMode, perm, "open", truncating);
      if (opened.changed) this.#versions.bump(opened.key);
      const { handle, key } = opened;
      await this.#files.fill(
        domid,
        id,
        { handle, key, guestPath: path, close: () => handle.close() },
        "open",
        path,
      );
      return id;
    } catch (err) {
      this.#files.cancel(domid, id);
      throw err;
    }
  }

  async close(domid: number, id: number): Promise<void> {
    const file = this.#files.take(domid, id, "close");
    return guarded("close", file.guestPath, () => file.close());
  }

  /** Up to `length` bytes at `position` (fewer only at end of file). */
  async read(domid: number, id: number, position: number, length: number): Promise<Buffer> {
    const file = this.#files.get(domid, id, "read");
    return guarded("read", file.guestPath, async () => {
      const at = { syscall: "read", path: file.guestPath };
      const offset = requireOffset(position, "position", at);
      const count = requireInteger(length, "length", 0, this.maxIoBytes, at);
      return this.#disk.read(file.handle, offset, count, file.guestPath);
    });
  }

  /** Write `data` at `position`; resolves once the data is on disk (fdatasync), with the bytes written. */
  async write(domid: number, id: number, position: number, data: Uint8Array): Promise<number> {
    const file = this.#files.get(domid, id, "write");
    return guarded("write", file.guestPath, async () => {
      const offset = requireOffset(position, "position", { syscall: "write", path: file.guestPath });
      if (!(data instanceof Uint8Array)) {
        throw new ExportError("EINVAL", {
          syscall: "write",
          path: file.guestPath,
          reason: "data is not bytes",
        });
      }
      const written = await this.#disk.writeDurably(file.handle, offset, data, file.guestPath);
      // Bumped only once the bytes are in the file: a read racing with the write may cache new
      // bytes under the old version (wasted), never old bytes under the new one (wrong).
      this.#versions.bump(file.key);
      return written;
    });
  }

  async fstat(domid: number, id: number): Promise<FileStat> {
    const file = this.#files.get(domid, id, "fstat");
    return guarded("fstat", file.guestPath, async () =>
      this.#fileStat(await file.handle.stat({ bigint: true })),
    );
  }

  async ftruncate(domid: number, id: number, size: number): Promise<void> {
    const file = this.#files.get(domid, id, "ftruncate");
    return guarded("ftruncate", file.guestPath, async () => {
      const length = requireOffset(size, "size", { syscall: "ftruncate", path: file.guestPath });
      await this.#truncate(file.handle, file.key, length, file.guestPath);
    });
  }

  /** fsync: data and metadata of the open file. */
  async sync(domid: number, id: number): Promise<void> {
    const file = this.#files.get(domid, id, "fsync");
    return guarded("fsync", file.guestPath, () => this.#disk.sync(file.handle, file.guestPath));
  }

  /** How many files `domid` has open. */
  openFileCount(domid: number): number {
    return this.#files.count(domid);
  }

  /** Close every file of a guest that went away; returns how many were open. */
  closeGuest(domid: number): Promise<number> {
    return this.#files.closeGuest(domid);
  }

  // --- helpers ---------------------------------------------------------------------------------

  #fileStat(stats: BigIntStats): FileStat {
    return toFileStat(stats, this.#versions.get(identityKey(stats)));
  }

  async #truncate(handle: FileHandle, key: string, size: number, path: string): Promise<void> {
    await handle.truncate(size);
    await this.#disk.datasync(handle, path);
    this.#versions.bump(key);
  }
}

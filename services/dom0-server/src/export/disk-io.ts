import type { FileHandle } from "node:fs/promises";
import { readAt, writeAllAt } from "./file-io.js";

/**
 * The file I/O under the export: every byte a guest reads or writes, and every sync, goes through
 * one of these. The real one is the disk; DiskFaults (disk-faults.ts) wraps it to inject EIO,
 * ENOSPC, slow syncs and torn writes (docs/faults.md#disk-faults-in-dom0). `path` is the guest's
 * path, for rules that match on it.
 */
export interface DiskIo {
  /** Up to `length` bytes at `position`, short only at end of file. */
  read(handle: FileHandle, position: number, length: number, path: string): Promise<Buffer>;
  /** pwrite all of `data` at `position`, then fdatasync; resolves once on disk, with the bytes written. */
  writeDurably(handle: FileHandle, position: number, data: Uint8Array, path: string): Promise<number>;
  /** fdatasync. */
  datasync(handle: FileHandle, path: string): Promise<void>;
  /** fsync: data and metadata. */
  sync(handle: FileHandle, path: string): Promise<void>;
}

/** The disk itself. */
export const REAL_DISK: DiskIo = {
  read: (handle, position, length) => readAt(handle, position, length),
  async writeDurably(handle, position, data) {
    const written = await writeAllAt(handle, position, data);
    await handle.datasync();
    return written;
  },
  datasync: (handle) => handle.datasync(),
  sync: (handle) => handle.sync(),
};

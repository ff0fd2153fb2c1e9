// Open files: opening through the data path, reading and writing with byte counts, and
// carrying a file across a reconnect (its fd died with the old connection: reopen by path with
// the flags it was opened with, less create/exclusive/truncate, and retry). A file whose path no
// longer names it (removed, or replaced by another file) is stale: ESTALE, as NFS answers.
import { FsError, reopenFlags } from "@xenfs/fsproto";
import { FdLostError } from "../frontend/reconnected.js";
import type { MountCounters } from "./counters.js";
import type { DataPath } from "./data-path.js";
import { OpenFile } from "./open-file.js";
import type { OpenResult, Remote } from "./remote.js";
import type { CowWrites } from "./shared/cow-writes.js";

/**
 * Reopens tried for one call before it fails with EIO. Each follows a real reconnect (an fd is
 * lost only when the connection changes), so only a backend restarting over and over uses them up.
 */
const MAX_REOPENS = 8;

export class Files {
  readonly #reopening = new WeakMap<OpenFile, Promise<void>>();

  constructor(
    private readonly remote: Remote,
    readonly data: DataPath,
    private readonly counters: MountCounters,
    /** cow mode: the guest's own pages take its writes and truncates (docs/xenfs.md#cow-mode). */
    readonly cow?: CowWrites,
  ) {}

  async open(path: string, flags: number, mode: number): Promise<OpenFile> {
    const opened = await this.remote.open(path, flags, mode);
    const file = new OpenFile(path, flags, opened.fd, opened.epoch);
    try {
      await this.#setUp(file, opened);
    } catch (error) {
      await this.close(file).catch(() => {});
      throw error;
    }
    await this.cow?.opened(file);
    return file;
  }

  /** The data path learns the file; if the backend went away meanwhile, the file is reopened as any open file is. */
  async #setUp(file: OpenFile, opened: OpenResult): Promise<void> {
    try {
      await this.data.opened(file, opened);
    } catch (error) {
      if (!(error instanceof FdLostError)) throw error;
      await this.withFd(file, async () => {}, "open");
    }
  }

  async close(file: OpenFile): Promise<void> {
    await this.data.closed(file);
    // An fd of an earlier connection died with it; a stale file's was closed when found stale.
    if (file.stale || file.epoch !== this.remote.epoch) return;
    try {
      await this.remote.close(file);
    } catch (error) {
      if (!(error instanceof FdLostError)) throw error;
    }
  }

  /** Runs `fn` against the file's fd on the current connection, reopening the file if need be. */
  async withFd<T>(file: OpenFile, fn: () => Promise<T>, syscall: string): Promise<T> {
    for (let reopens = 0; ; reopens++) {
      if (file.stale) throw new FsError("ESTALE", { syscall, path: file.path });
      try {
        if (file.epoch !== this.remote.epoch) await this.#reopen(file, syscall);
        return await fn();
      } catch (error) {
        if (!(error instanceof FdLostError)) throw error;
        // The backend went away again and again: give up with EIO, not an error about fds.
        if (reopens >= MAX_REOPENS)
          throw Object.assign(new FsError("EIO", { syscall, path: file.path }), { cause: error });
      }
    }
  }

  async read(file: OpenFile, target: Uint8Array, position: number): Promise<number> {
    const bytes = await this.withFd(file, () => this.data.read(file, target, position), "read");
    this.counters.read(bytes);
    return bytes;
  }

  /** From `position` to the end of the file as it is now. */
  async readToEnd(file: OpenFile, position: number): Promise<Buffer> {
    const size = await this.withFd(file, () => this.data.size(file), "fstat");
    const buffer = Buffer.alloc(Math.max(0, size - position));
    const bytes = buffer.length > 0 ? await this.read(file, buffer, position) : 0;
    return buffer.subarray(0, bytes);
  }

  async write(file: OpenFile, data: Uint8Array, position: number): Promise<number> {
    if (data.length === 0) return 0;
    const write = this.data.write ?? ((f: OpenFile, d: Uint8Array, p: number) => this.remote.write(f, d, p));
    const bytes = await this.withFd(file, () => write(file, data, position), "write");
    await this.cow?.written(file, data.subarray(0, bytes), position);
    this.counters.bytesWritten += bytes;
    return bytes;
  }

  #reopen(file: OpenFile, syscall: string): Promise<void> {
    let reopening = this.#reopening.get(file);
    if (!reopening) {
      reopening = this.#reopenNow(file, syscall).finally(() => this.#reopening.delete(file));
      this.#reopening.set(file, reopening);
    }
    return reopening;
  }

  async #reopenNow(file: OpenFile, syscall: string): Promise<void> {
    const stale = () => {
      file.stale = true;
      return new FsError("ESTALE", { syscall, path: file.path });
    };
    await this.data.closed(file);
    const was = file.ino;
    let opened: OpenResult;
    try {
      opened = await this.remote.open(file.path, reopenFlags(file.flags), 0);
    } catch (error) {
      if (error instanceof FsError && (error.code === "ENOENT" || error.code === "ENOTDIR")) throw stale();
      throw error;
    }
    file.fd = opened.fd;
    file.epoch = opened.epoch;
    await this.data.opened(file, opened);
    if (was !== undefined && file.ino !== undefined && file.ino !== was) {
      // Another file has its name now: this handle's file is gone.
      const error = stale();
      await this.data.closed(file);
      await this.remote.close(file).catch(() => {});
      throw error;
    }
  }
}

// Open files: opening through the data path, reading and writing with byte counts, and
// carrying a file across a reconnect (its fd died with the old connection: reopen, retry).
import { FdLostError } from "../frontend/reconnected.js";
import type { MountCounters } from "./counters.js";
import type { DataPath } from "./data-path.js";
import { reopenFlags } from "./flags.js";
import { OpenFile } from "./open-file.js";
import type { Remote } from "./remote.js";

/** Reopens after a reconnect are tried this often before the error stands. */
const MAX_REOPENS = 2;

export class Files {
  readonly #reopening = new WeakMap<OpenFile, Promise<void>>();

  constructor(
    private readonly remote: Remote,
    readonly data: DataPath,
    private readonly counters: MountCounters,
  ) {}

  async open(path: string, flags: number, mode: number): Promise<OpenFile> {
    const opened = await this.remote.open(path, flags, mode);
    const file = new OpenFile(path, flags, opened.fd, opened.epoch);
    try {
      await this.data.opened(file, opened);
    } catch (error) {
      await this.remote.close(file).catch(() => {});
      throw error;
    }
    return file;
  }

  async close(file: OpenFile): Promise<void> {
    await this.data.closed(file);
    // An fd of an earlier connection died with it.
    if (file.epoch === this.remote.epoch) await this.remote.close(file);
  }

  /** Runs `fn` against the file's fd on the current connection, reopening the file if need be. */
  async withFd<T>(file: OpenFile, fn: () => Promise<T>): Promise<T> {
    for (let reopens = 0; ; reopens++) {
      if (file.epoch !== this.remote.epoch) await this.#reopen(file);
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof FdLostError) || reopens >= MAX_REOPENS) throw error;
      }
    }
  }

  async read(file: OpenFile, target: Uint8Array, position: number): Promise<number> {
    const bytes = await this.withFd(file, () => this.data.read(file, target, position));
    this.counters.read(bytes);
    return bytes;
  }

  /** From `position` to the end of the file as it is now. */
  async readToEnd(file: OpenFile, position: number): Promise<Buffer> {
    const size = await this.withFd(file, () => this.data.size(file));
    const buffer = Buffer.alloc(Math.max(0, size - position));
    const bytes = buffer.length > 0 ? await this.read(file, buffer, position) : 0;
    return buffer.subarray(0, bytes);
  }

  async write(file: OpenFile, data: Uint8Array, position: number): Promise<number> {
    if (data.length === 0) return 0;
    const bytes = await this.withFd(file, () => this.remote.write(file, data, position));
    this.counters.bytesWritten += bytes;
    return bytes;
  }

  #reopen(file: OpenFile): Promise<void> {
    let reopening = this.#reopening.get(file);
    if (!reopening) {
      reopening = (async () => {
        await this.data.closed(file);
        const opened = await this.remote.open(file.path, reopenFlags(file.flags), 0);
        file.fd = opened.fd;
        file.epoch = opened.epoch;
        await this.data.opened(file, opened);
      })().finally(() => this.#reopening.delete(file));
      this.#reopening.set(file, reopening);
    }
    return reopening;
  }
}

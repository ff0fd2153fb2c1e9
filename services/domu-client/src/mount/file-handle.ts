// fs/promises' FileHandle over a file dom0 has open for this guest.
import { FsError, O } from "@xenfs/fsproto";
import type { Files } from "./files.js";
import type { OpenFile } from "./open-file.js";
import type { Remote } from "./remote.js";
import { XenfsStats } from "./stats.js";

export interface ReadOptions {
  buffer?: Uint8Array | undefined;
  offset?: number | undefined;
  length?: number | undefined;
  /** null or absent: the handle's current position, which then advances. */
  position?: number | null | undefined;
}

export interface ReadResult<T> {
  bytesRead: number;
  buffer: T;
}

export interface WriteResult<T> {
  bytesWritten: number;
  buffer: T;
}

type Data = string | Uint8Array;
type Encoding = BufferEncoding | { encoding?: BufferEncoding | null } | null;

const DEFAULT_READ_SIZE = 16_384;

export class XenfsFileHandle {
  #closed = false;

  constructor(
    private readonly files: Files,
    private readonly remote: Remote,
    private readonly file: OpenFile,
  ) {}

  /** dom0's open-file id on the current connection. */
  get fd(): number {
    return this.#closed ? -1 : this.file.fd;
  }

  async read<T extends Uint8Array = Buffer>(
    bufferOrOptions?: T | ReadOptions,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<ReadResult<T>> {
    const options: ReadOptions =
      bufferOrOptions instanceof Uint8Array
        ? { buffer: bufferOrOptions, offset, length, position }
        : (bufferOrOptions ?? {});
    const buffer = (options.buffer ?? Buffer.alloc(DEFAULT_READ_SIZE)) as T;
    const start = options.offset ?? 0;
    const count = options.length ?? buffer.byteLength - start;
    if (start < 0 || count < 0 || start + count > buffer.byteLength)
      throw new RangeError(`offset ${start} and length ${count} do not fit a buffer of ${buffer.byteLength}`);
    const file = this.#open("read");
    const at = options.position ?? file.position;
    const bytesRead = await this.files.read(file, buffer.subarray(start, start + count), at);
    if (options.position === null || options.position === undefined) file.position = at + bytesRead;
    return { bytesRead, buffer };
  }

  async write<T extends Data>(
    data: T,
    offsetOrPosition?: number | null,
    lengthOrEncoding?: number | BufferEncoding,
    position?: number | null,
  ): Promise<WriteResult<T>> {
    const file = this.#open("write");
    let bytes: Uint8Array;
    let at: number | null | undefined;
    if (typeof data === "string") {
      bytes = Buffer.from(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8");
      at = offsetOrPosition;
    } else {
      const start = offsetOrPosition ?? 0;
      const count = typeof lengthOrEncoding === "number" ? lengthOrEncoding : data.byteLength - start;
      bytes = data.subarray(start, start + count);
      at = position;
    }
    const where = at ?? (await this.#appendPosition(file));
    const bytesWritten = await this.files.write(file, bytes, where);
    if (at === null || at === undefined) file.position = where + bytesWritten;
    return { bytesWritten, buffer: data };
  }

  async stat(): Promise<XenfsStats> {
    const file = this.#open("fstat");
    return new XenfsStats(await this.files.withFd(file, () => this.remote.fstat(file), "fstat"));
  }

  async truncate(len = 0): Promise<void> {
    const file = this.#open("ftruncate");
    await this.files.withFd(file, () => this.remote.ftruncate(file, len), "ftruncate");
    await this.files.cow?.truncated(file.ino, len);
  }

  /** dom0 makes every acknowledged write durable already; this waits for its fsync too. */
  async sync(): Promise<void> {
    const file = this.#open("fsync");
    await this.files.withFd(file, () => this.remote.sync(file), "fsync");
  }

  datasync(): Promise<void> {
    return this.sync();
  }

  /** The rest of the file from the current position, as Node's filehandle.readFile. */
  async readFile(options?: Encoding): Promise<Buffer | string> {
    const file = this.#open("read");
    const data = await this.files.readToEnd(file, file.position);
    file.position += data.length;
    const encoding = encodingOf(options);
    return encoding ? data.toString(encoding) : data;
  }

  async writeFile(data: Data, options?: Encoding): Promise<void> {
    const file = this.#open("write");
    const bytes = typeof data === "string" ? Buffer.from(data, encodingOf(options) ?? "utf8") : data;
    const at = await this.#appendPosition(file);
    file.position = at + (await this.files.write(file, bytes, at));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.files.close(this.file);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #open(syscall: string): OpenFile {
    if (this.#closed) throw new FsError("EBADF", { syscall });
    return this.file;
  }

  /** O_APPEND writes land at the end, which the guest learns from the file's size. */
  async #appendPosition(file: OpenFile): Promise<number> {
    if (!(file.flags & O.O_APPEND)) return file.position;
    return this.files.withFd(file, () => this.files.data.size(file), "fstat");
  }
}

export function encodingOf(options: Encoding | undefined): BufferEncoding | undefined {
  if (typeof options === "string") return options;
  return options?.encoding ?? undefined;
}

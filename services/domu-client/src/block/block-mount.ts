// `block` mode's mount: an ext2/3/4 filesystem read through the vbd with libext2fs, behind the
// fs/promises subset the other modes offer. On a read-only vbd every change is refused EROFS
// before libext2fs sees it. readFile is done here, by chunked reads to the end: ext2fs's own
// readFile issues one read of the whole size and returns whatever that one read gave (a short
// read of a file made by `mkfs.ext4 -d` returned 1,895,025 of 2,000,000 bytes).
import { FsError } from "@xenfs/fsproto";
import type { Ext2FileHandle, Ext2Promises, Ext2Stats } from "./ext2fs.js";

/** Bytes per read while reading a whole file. */
const READ_CHUNK = 64 * 1024;

type Encoding = BufferEncoding | { encoding?: BufferEncoding | null } | null | undefined;

function encodingOf(options: Encoding): BufferEncoding | null {
  if (typeof options === "string") return options;
  return options?.encoding ?? null;
}

/** A directory entry with its type, as `readdir(…, { withFileTypes: true })` gives. */
export interface BlockDirent {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

const WRITE_FLAGS = /[wa+]/;

export class BlockFileHandle {
  #closed = false;

  constructor(
    private readonly fs: Ext2Promises,
    private readonly handle: Ext2FileHandle,
    readonly path: string,
  ) {}

  get fd(): number {
    return this.handle.fd;
  }

  read(buffer: Uint8Array, offset = 0, length = buffer.length - offset, position = -1) {
    return this.handle.read(buffer, offset, length, position);
  }

  stat(): Promise<Ext2Stats> {
    return this.handle.stat();
  }

  /** The whole file, read in chunks from its start to its end. */
  async readFile(options?: Encoding): Promise<Buffer | string> {
    const size = (await this.handle.stat()).size;
    const out = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await this.handle.read(out, done, Math.min(READ_CHUNK, size - done), done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    const bytes = out.subarray(0, done);
    const encoding = encodingOf(options);
    return encoding ? bytes.toString(encoding) : bytes;
  }

  write(buffer: Uint8Array, offset = 0, length = buffer.length - offset, position = -1) {
    return this.handle.write(buffer, offset, length, position);
  }

  /** Closes the file and waits for it (ext2fs's own FileHandle.close does not wait). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.fs.close(this.handle.fd);
  }
}

export class BlockMount {
  constructor(
    private readonly fs: Ext2Promises,
    readonly readonly: boolean,
    private readonly onUnmount: () => Promise<void>,
  ) {}

  unmount(): Promise<void> {
    return this.onUnmount();
  }

  async readFile(path: string, options?: Encoding): Promise<Buffer | string> {
    const handle = await this.open(path, "r");
    try {
      return await handle.readFile(options);
    } finally {
      await handle.close();
    }
  }

  async open(path: string, flags = "r", mode = 0o666): Promise<BlockFileHandle> {
    if (WRITE_FLAGS.test(flags)) this.#writable("open", path);
    const handle = await this.#call("open", path, () => this.fs.open(path, flags, mode));
    const stats = await handle.stat().catch(() => undefined);
    if (stats?.isDirectory() && flags === "r") {
      await this.fs.close(handle.fd);
      throw new FsError("EISDIR", { syscall: "read", path });
    }
    return new BlockFileHandle(this.fs, handle, path);
  }

  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<BlockDirent[]>;
  async readdir(path: string, options?: { withFileTypes?: boolean }): Promise<string[] | BlockDirent[]> {
    const names = (await this.#call("scandir", path, () => this.fs.readdir(path))).filter(
      (n) => n !== "." && n !== "..",
    );
    if (!options?.withFileTypes) return names;
    const base = path.endsWith("/") ? path : `${path}/`;
    return Promise.all(
      names.map(async (name) => {
        const s = await this.fs.lstat(`${base}${name}`);
        return {
          name,
          isFile: () => s.isFile(),
          isDirectory: () => s.isDirectory(),
          isSymbolicLink: () => s.isSymbolicLink(),
        };
      }),
    );
  }

  stat(path: string): Promise<Ext2Stats> {
    return this.#call("stat", path, () => this.fs.stat(path));
  }

  lstat(path: string): Promise<Ext2Stats> {
    return this.#call("lstat", path, () => this.fs.lstat(path));
  }

  async access(path: string): Promise<void> {
    await this.stat(path);
  }

  async exists(path: string): Promise<boolean> {
    return this.access(path).then(
      () => true,
      () => false,
    );
  }

  readlink(path: string): Promise<string> {
    return this.#call("readlink", path, () => this.fs.readlink(path));
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    const handle = await this.open(path, "w");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      let done = 0;
      while (done < bytes.length)
        done += (await handle.write(bytes, done, bytes.length - done, done)).bytesWritten;
    } finally {
      await handle.close();
    }
  }

  async mkdir(path: string, options?: { mode?: number }): Promise<void> {
    this.#writable("mkdir", path);
    await this.#call("mkdir", path, () => this.fs.mkdir(path, options?.mode ?? 0o777));
  }

  async rmdir(path: string): Promise<void> {
    this.#writable("rmdir", path);
    await this.#call("rmdir", path, () => this.fs.rmdir(path));
  }

  async unlink(path: string): Promise<void> {
    this.#writable("unlink", path);
    await this.#call("unlink", path, () => this.fs.unlink(path));
  }

  async rename(from: string, to: string): Promise<void> {
    this.#writable("rename", from);
    await this.#call("rename", from, () => this.fs.rename(from, to));
  }

  async symlink(target: string, path: string): Promise<void> {
    this.#writable("symlink", path);
    await this.#call("symlink", path, () => this.fs.symlink(target, path));
  }

  async chmod(path: string, mode: number): Promise<void> {
    this.#writable("chmod", path);
    await this.#call("chmod", path, () => this.fs.chmod(path, mode));
  }

  #writable(syscall: string, path: string): void {
    if (this.readonly) throw new FsError("EROFS", { syscall, path });
  }

  /** ext2fs's errors carry a code and its own message; given Node's shape and the path. */
  async #call<T>(syscall: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (
        code === "ENOENT" ||
        code === "ENOTDIR" ||
        code === "EISDIR" ||
        code === "EEXIST" ||
        code === "ENOTEMPTY"
      )
        throw new FsError(code, { syscall, path });
      throw error;
    }
  }
}

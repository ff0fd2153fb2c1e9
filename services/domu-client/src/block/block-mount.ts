// `block` mode's mount: an ext2/3/4 filesystem read through the vbd with libext2fs, behind the
// fs/promises subset the other modes offer. On a read-only vbd every change is refused EROFS
// before libext2fs sees it. readFile is done here, by chunked reads to the end: ext2fs's own
// readFile issues one read of the whole size and returns whatever that one read gave (a short
// read of a file made by `mkfs.ext4 -d` returned 1,895,025 of 2,000,000 bytes).
import { posix } from "node:path";
import { FsError } from "@xenfs/fsproto";
import type { GuestMount, GuestMountSnapshot } from "../guest-mount.js";
import type { MountCounters } from "../mount/counters.js";
import type { Ext2FileHandle, Ext2Promises, Ext2Stats } from "./ext2fs.js";
import type { VbdDisk } from "./vbd-disk.js";

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

/**
 * The image's path for a guest path: relative to the filesystem's root, as the XenFS modes take
 * them ("." and "a/b"), or absolute; `..` stops at the root, as it does at any mount's root.
 */
function imagePath(path: string): string {
  if (typeof path !== "string") throw new TypeError(`path must be a string, got ${typeof path}`);
  if (path.includes("\0")) throw new FsError("EINVAL", { path });
  return posix.resolve("/", path);
}

export class BlockFileHandle {
  #closed = false;

  constructor(
    private readonly fs: Ext2Promises,
    private readonly handle: Ext2FileHandle,
    readonly path: string,
    private readonly counters: MountCounters,
  ) {}

  get fd(): number {
    return this.handle.fd;
  }

  async read(buffer: Uint8Array, offset = 0, length = buffer.length - offset, position = -1) {
    const result = await this.handle.read(buffer, offset, length, position);
    this.counters.read(result.bytesRead);
    return result;
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
      const { bytesRead } = await this.read(out, done, Math.min(READ_CHUNK, size - done), done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    const bytes = out.subarray(0, done);
    const encoding = encodingOf(options);
    return encoding ? bytes.toString(encoding) : bytes;
  }

  async write(buffer: Uint8Array, offset = 0, length = buffer.length - offset, position = -1) {
    const result = await this.handle.write(buffer, offset, length, position);
    this.counters.bytesWritten += result.bytesWritten;
    return result;
  }

  /** Closes the file and waits for it (ext2fs's own FileHandle.close does not wait). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.fs.close(this.handle.fd);
  }
}

/** What a block mount is made of: the filesystem, and the device under it. */
export interface BlockMountParts {
  readonly fs: Ext2Promises;
  /** Every change refused EROFS (a read-only disk, or mounted read-only). */
  readonly readonly: boolean;
  readonly disk: VbdDisk;
  readonly counters: MountCounters;
  /** The vbd's xenbus state. */
  state(): string;
  unmount(): Promise<void>;
  /** The domain is gone: requests waiting and later ones fail. */
  abandon(): void;
}

export class BlockMount implements GuestMount {
  readonly mode = "block" as const;
  readonly readonly: boolean;
  readonly #fs: Ext2Promises;
  readonly #parts: BlockMountParts;
  #abandoned = false;

  constructor(parts: BlockMountParts) {
    this.#parts = parts;
    this.#fs = parts.fs;
    this.readonly = parts.readonly;
  }

  get state(): string {
    return this.#parts.state();
  }

  snapshot(): GuestMountSnapshot {
    const { requests, bytesRead, bytesWritten, readsLocal } = this.#parts.counters;
    return {
      mode: this.mode,
      state: this.state,
      pagesHeld: this.#parts.disk.pagesHeld,
      requests,
      bytesRead,
      bytesWritten,
      readsLocal,
    };
  }

  unmount(): Promise<void> {
    return this.#parts.unmount();
  }

  /** The domain is gone: the vbd's waiting requests fail, and every later call ENOTCONN. */
  abandon(): void {
    this.#abandoned = true;
    this.#parts.abandon();
  }

  readFile(path: string): Promise<Buffer>;
  readFile(path: string, options: BufferEncoding | { encoding: BufferEncoding }): Promise<string>;
  readFile(path: string, options?: Encoding): Promise<Buffer | string>;
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
    const handle = await this.#call("open", path, () => this.#fs.open(imagePath(path), flags, mode));
    const stats = await handle.stat().catch(() => undefined);
    if (stats?.isDirectory() && flags === "r") {
      await this.#fs.close(handle.fd);
      throw new FsError("EISDIR", { syscall: "read", path });
    }
    return new BlockFileHandle(this.#fs, handle, path, this.#parts.counters);
  }

  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<BlockDirent[]>;
  async readdir(path: string, options?: { withFileTypes?: boolean }): Promise<string[] | BlockDirent[]> {
    const dir = imagePath(path);
    const names = (await this.#call("scandir", path, () => this.#readdir(dir))).filter(
      (n) => n !== "." && n !== "..",
    );
    if (!options?.withFileTypes) return names;
    return Promise.all(
      names.map(async (name) => {
        const s = await this.#fs.lstat(posix.join(dir, name));
        return {
          name,
          isFile: () => s.isFile(),
          isDirectory: () => s.isDirectory(),
          isSymbolicLink: () => s.isSymbolicLink(),
        };
      }),
    );
  }

  /** libext2fs says UNKNOWN (EXT2_ET_NO_DIRECTORY) for a file: ENOTDIR, as readdir(3) does. */
  async #readdir(dir: string): Promise<string[]> {
    try {
      return await this.#fs.readdir(dir);
    } catch (error) {
      const notDir = await this.#fs.lstat(dir).then(
        (s) => !s.isDirectory(),
        () => false,
      );
      if (notDir) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
      throw error;
    }
  }

  stat(path: string): Promise<Ext2Stats> {
    return this.#call("stat", path, () => this.#fs.stat(imagePath(path)));
  }

  lstat(path: string): Promise<Ext2Stats> {
    return this.#call("lstat", path, () => this.#fs.lstat(imagePath(path)));
  }

  async access(path: string): Promise<void> {
    await this.stat(path);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.lstat(path);
      return true;
    } catch (error) {
      if (error instanceof FsError && (error.code === "ENOENT" || error.code === "ENOTDIR")) return false;
      throw error;
    }
  }

  readlink(path: string): Promise<string> {
    return this.#call("readlink", path, () => this.#fs.readlink(imagePath(path)));
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    const handle = await this.open(path, "w");
    try {
      await writeAll(handle, typeof data === "string" ? Buffer.from(data) : data, 0);
    } finally {
      await handle.close();
    }
  }

  async appendFile(path: string, data: string | Uint8Array): Promise<void> {
    this.#writable("open", path);
    const handle = await this.open(path, (await this.exists(path)) ? "r+" : "w");
    try {
      const end = (await handle.stat()).size;
      await writeAll(handle, typeof data === "string" ? Buffer.from(data) : data, end);
    } finally {
      await handle.close();
    }
  }

  /** mkdir, or with `recursive` mkdir -p (resolving to the first directory made, as Node's). */
  async mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<string | undefined> {
    this.#writable("mkdir", path);
    const mode = options?.mode ?? 0o777;
    if (!options?.recursive) {
      await this.#call("mkdir", path, () => this.#fs.mkdir(imagePath(path), mode));
      return undefined;
    }
    let first: string | undefined;
    let at = "/";
    for (const part of imagePath(path).split("/").filter(Boolean)) {
      at = posix.join(at, part);
      if (await this.exists(at)) {
        if (!(await this.stat(at)).isDirectory()) throw new FsError("ENOTDIR", { syscall: "mkdir", path });
        continue;
      }
      const made = at;
      await this.#call("mkdir", path, () => this.#fs.mkdir(made, mode));
      first ??= made;
    }
    return first;
  }

  async rmdir(path: string): Promise<void> {
    this.#writable("rmdir", path);
    await this.#call("rmdir", path, () => this.#fs.rmdir(imagePath(path)));
  }

  async unlink(path: string): Promise<void> {
    this.#writable("unlink", path);
    await this.#call("unlink", path, () => this.#fs.unlink(imagePath(path)));
  }

  /** rm: a file or link is unlinked; a directory needs `recursive`; `force` ignores a missing path. */
  async rm(path: string, options: { recursive?: boolean; force?: boolean } = {}): Promise<void> {
    this.#writable("rm", path);
    let isDirectory: boolean;
    try {
      isDirectory = (await this.lstat(path)).isDirectory();
    } catch (error) {
      if (options.force && error instanceof FsError && error.code === "ENOENT") return;
      throw error;
    }
    if (!isDirectory) return this.unlink(path);
    if (!options.recursive) throw new FsError("EISDIR", { syscall: "rm", path });
    for (const name of await this.readdir(path)) await this.rm(posix.join(imagePath(path), name), options);
    await this.rmdir(path);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#writable("rename", from);
    await this.#call("rename", from, () => this.#fs.rename(imagePath(from), imagePath(to)));
  }

  async symlink(target: string, path: string): Promise<void> {
    this.#writable("symlink", path);
    await this.#call("symlink", path, () => this.#fs.symlink(target, imagePath(path)));
  }

  async chmod(path: string, mode: number): Promise<void> {
    this.#writable("chmod", path);
    await this.#call("chmod", path, () => this.#fs.chmod(imagePath(path), mode));
  }

  #writable(syscall: string, path: string): void {
    if (this.readonly) throw new FsError("EROFS", { syscall, path });
  }

  /** ext2fs's errors carry a code and its own message; given Node's shape and the path. */
  async #call<T>(syscall: string, path: string, run: () => Promise<T>): Promise<T> {
    if (this.#abandoned) throw new FsError("ENOTCONN", { syscall, path });
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

/** Writes all of `bytes` from `position`, however short each write is. */
async function writeAll(handle: BlockFileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length)
    done += (await handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
}

// The guest's view of the export: the subset of Node's fs/promises in docs/design.md#guest-api, with Node's
// error codes and Stats/Dirent shapes, so code written against `fs/promises` runs on it.
import { FsError, type NodeOpenFlag, wireOpenFlags } from "@xenfs/fsproto";
import type { MoveFigures } from "../frontend/suspend.js";
import type { MountCounters } from "./counters.js";
import type { DataPath } from "./data-path.js";
import { XenfsDirent } from "./dirent.js";
import { encodingOf, XenfsFileHandle } from "./file-handle.js";
import type { Files } from "./files.js";
import type { HandleCache } from "./handle-cache.js";
import type { Mapper, MmapOptions } from "./mmap/mapper.js";
import type { XenfsMapping } from "./mmap/mapping.js";
import type { OpenFile } from "./open-file.js";
import { exportPath } from "./paths.js";
import type { Remote } from "./remote.js";
import { XenfsStats } from "./stats.js";
import { mkdirRecursive, rmTree } from "./tree.js";

type Encoding = BufferEncoding | { encoding?: BufferEncoding | null; flag?: NodeOpenFlag } | null;
type WriteOptions =
  | BufferEncoding
  | { encoding?: BufferEncoding | null; mode?: number; flag?: NodeOpenFlag }
  | null;

export interface MountSnapshot {
  readonly mode: DataPath["mode"];
  readonly state: string;
  readonly pagesHeld: number;
  readonly requests: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly readsLocal: number;
  /** Copy mode with page flipping (docs/xenfs.md "Page flipping"). */
  readonly pagesFlippedIn: number;
  readonly pagesFlippedOut: number;
  readonly flipFallbacks: number;
  /** What the guest saw of its saves and migrations (docs/migration.md#xenfs-frontend). */
  readonly moves: MoveFigures;
}

/** The device under the mount: its xenbus state, and how to take it down. */
export interface MountLifecycle {
  state(): string;
  unmount(): Promise<void>;
  /** The domain is gone: fail what waits and every later request with ENOTCONN. */
  abandon(): void;
  moves(): MoveFigures;
}

export interface MountParts {
  readonly remote: Remote;
  readonly files: Files;
  readonly counters: MountCounters;
  /** Shared mode keeps files open by path; copy and cow mode open for every readFile. */
  readonly handles: HandleCache | undefined;
  /** mmap's side of the mount (docs/mmap.md). */
  readonly mapper: Mapper;
  readonly lifecycle: MountLifecycle;
}

export class XenfsMount {
  readonly #remote: Remote;
  readonly #files: Files;
  readonly #handles: HandleCache | undefined;
  readonly #lifecycle: MountLifecycle;
  readonly #mapper: Mapper;
  readonly counters: MountCounters;

  constructor(parts: MountParts) {
    this.#remote = parts.remote;
    this.#files = parts.files;
    this.#handles = parts.handles;
    this.counters = parts.counters;
    this.#lifecycle = parts.lifecycle;
    this.#mapper = parts.mapper;
  }

  /** The frontend's xenbus state: Connected while the backend serves the mount. */
  get state(): string {
    return this.#lifecycle.state();
  }

  /** Closes cached files, gives mapped pages back, and takes the device Closing → Closed. */
  unmount(): Promise<void> {
    return this.#lifecycle.unmount();
  }

  /**
   * The domain's hypervisor session is lost, and the device with it: requests waiting and every
   * later one fail with ENOTCONN. Nothing is given back; it all went with the domain.
   */
  abandon(): void {
    this.#lifecycle.abandon();
  }

  get mode(): DataPath["mode"] {
    return this.#files.data.mode;
  }

  snapshot(): MountSnapshot {
    const { requests, bytesRead, bytesWritten, readsLocal, pagesFlippedIn, pagesFlippedOut, flipFallbacks } =
      this.counters;
    const { mode, state } = this;
    return {
      mode,
      state,
      pagesHeld: this.#files.data.pagesHeld,
      requests,
      bytesRead,
      bytesWritten,
      readsLocal,
      pagesFlippedIn,
      pagesFlippedOut,
      flipFallbacks,
      moves: this.#lifecycle.moves(),
    };
  }

  async readFile(
    path: string,
    options: BufferEncoding | { encoding: BufferEncoding; flag?: NodeOpenFlag },
  ): Promise<string>;
  async readFile(path: string, options?: { encoding?: null; flag?: NodeOpenFlag } | null): Promise<Buffer>;
  async readFile(path: string, options?: Encoding): Promise<Buffer | string> {
    const name = exportPath(path, "open");
    const flag =
      typeof options === "object" && options?.flag
        ? wireOpenFlags(options.flag, { syscall: "open", path: name })
        : undefined;
    const cached = flag === undefined && this.#handles;
    const file = cached ? await cached.acquire(name) : await this.#files.open(name, flag ?? 0, 0);
    let data: Buffer;
    try {
      data = await this.#files.readToEnd(file, 0);
    } finally {
      if (cached) cached.release(file);
      else await this.#files.close(file);
    }
    const encoding = encodingOf(options);
    return encoding ? data.toString(encoding) : data;
  }

  async writeFile(path: string, data: string | Uint8Array, options?: WriteOptions): Promise<void> {
    const name = exportPath(path, "open");
    const settings = typeof options === "object" && options !== null ? options : {};
    const bytes = typeof data === "string" ? Buffer.from(data, encodingOf(options) ?? "utf8") : data;
    const handle = await this.open(name, settings.flag ?? "w", settings.mode ?? 0o666);
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  }

  async appendFile(path: string, data: string | Uint8Array, options?: WriteOptions): Promise<void> {
    const settings = typeof options === "object" && options !== null ? options : {};
    await this.writeFile(path, data, { ...settings, flag: settings.flag ?? "a" });
  }

  async open(path: string, flags: NodeOpenFlag | number = "r", mode = 0o666): Promise<XenfsFileHandle> {
    const name = exportPath(path, "open");
    const file: OpenFile = await this.#files.open(
      name,
      wireOpenFlags(flags, { syscall: "open", path: name }),
      mode,
    );
    return new XenfsFileHandle(this.#files, this.#remote, file);
  }

  async readdir(path: string, options?: { withFileTypes?: false } | BufferEncoding): Promise<string[]>;
  async readdir(path: string, options: { withFileTypes: true }): Promise<XenfsDirent[]>;
  async readdir(
    path: string,
    options?: { withFileTypes?: boolean } | BufferEncoding,
  ): Promise<string[] | XenfsDirent[]> {
    const entries = await this.#remote.readdir(exportPath(path, "scandir"));
    if (typeof options === "object" && options.withFileTypes) {
      return entries.map((entry) => new XenfsDirent(entry.name, path, entry.type));
    }
    return entries.map((entry) => entry.name);
  }

  async stat(path: string): Promise<XenfsStats> {
    return new XenfsStats(await this.#remote.stat(exportPath(path, "stat"), "stat"));
  }

  async lstat(path: string): Promise<XenfsStats> {
    return new XenfsStats(await this.#remote.stat(exportPath(path, "lstat"), "lstat"));
  }

  /** Resolves when `path` exists (Node's access with F_OK; permissions are dom0's to check). */
  async access(path: string): Promise<void> {
    await this.stat(path);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.lstat(path);
      return true;
    } catch (error) {
      if (error instanceof FsError && error.code === "ENOENT") return false;
      throw error;
    }
  }

  async mkdir(
    path: string,
    options?: { recursive?: boolean; mode?: number } | number,
  ): Promise<string | undefined> {
    const settings = typeof options === "number" ? { mode: options } : (options ?? {});
    const name = exportPath(path, "mkdir");
    const mode = settings.mode ?? 0o777;
    if (settings.recursive) return mkdirRecursive(this, name, mode);
    await this.#remote.create(name, mode, true);
    return undefined;
  }

  async rmdir(path: string): Promise<void> {
    await this.#remote.pathOp("rmdir", exportPath(path, "rmdir"));
  }

  async rm(path: string, options: { recursive?: boolean; force?: boolean } = {}): Promise<void> {
    await rmTree(this, exportPath(path, "rm"), options);
  }

  async unlink(path: string): Promise<void> {
    await this.#remote.pathOp("unlink", exportPath(path, "unlink"));
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    await this.#remote.rename(exportPath(oldPath, "rename"), exportPath(newPath, "rename"));
  }

  async truncate(path: string, len = 0): Promise<void> {
    const name = exportPath(path, "open");
    await this.#remote.truncate(name, len);
    if (this.#files.cow) await this.#files.cow.truncated((await this.#remote.stat(name, "stat")).ino, len);
  }

  async readlink(path: string): Promise<string> {
    return this.#remote.readlink(exportPath(path, "readlink"));
  }

  /** Like Node: `target` is what the link says, stored as given; `path` is the new link. */
  async symlink(target: string, path: string): Promise<void> {
    if (target.includes("\0")) throw new FsError("EINVAL", { syscall: "symlink", path: target, dest: path });
    await this.#remote.symlink(target, exportPath(path, "symlink"));
  }

  /**
   * Maps `length` bytes of the file from `offset` (page-aligned): shared mappings of one range
   * share dom0's page-cache frames between guests; private ones are copy-to-write (docs/mmap.md).
   */
  async mmap(path: string, options: MmapOptions): Promise<XenfsMapping> {
    return this.#mapper.mmap(exportPath(path, "mmap"), options);
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.#remote.chmod(exportPath(path, "chmod"), mode);
  }
}

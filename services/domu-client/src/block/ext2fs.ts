// libext2fs in WebAssembly (the `ext2fs` package), loaded once. It has no types of its own: the
// part used here is declared below. Loading it installs process-wide `uncaughtException` and
// `unhandledRejection` listeners that rethrow (emscripten's Node glue), which would turn any
// stray rejection in this guest into a crash; they are removed again right after loading.
import { createRequire } from "node:module";

/** What ext2fs calls on the disk it mounts; its return values are ignored, failures become EIO. */
export interface Ext2Disk {
  read(buffer: Uint8Array, bufferOffset: number, length: number, fileOffset: number): Promise<unknown>;
  write(buffer: Uint8Array, bufferOffset: number, length: number, fileOffset: number): Promise<unknown>;
  flush(): Promise<unknown>;
  discard(offset: number, length: number): Promise<unknown>;
}

export interface Ext2Stats {
  readonly size: number;
  readonly mode: number;
  readonly ino: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly blocks: number;
  readonly blksize: number;
  readonly atime: Date;
  readonly mtime: Date;
  readonly ctime: Date;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface Ext2FileHandle {
  readonly fd: number;
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }>;
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number; buffer: Uint8Array }>;
  stat(): Promise<Ext2Stats>;
}

/** ext2fs's `fs.promises` (the subset used). */
export interface Ext2Promises {
  open(path: string, flags: string, mode?: number): Promise<Ext2FileHandle>;
  close(fd: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<Ext2Stats>;
  lstat(path: string): Promise<Ext2Stats>;
  readlink(path: string): Promise<string>;
  mkdir(path: string, mode?: number): Promise<void>;
  rmdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
}

export interface Ext2Fs {
  readonly promises: Ext2Promises;
}

interface Ext2fsModule {
  mount(disk: Ext2Disk, offset?: number): Promise<Ext2Fs>;
  umount(fs: Ext2Fs): Promise<void>;
}

let loaded: Ext2fsModule | undefined;

export function ext2fs(): Ext2fsModule {
  if (loaded) return loaded;
  const before = new Set([
    ...process.listeners("uncaughtException"),
    ...process.listeners("unhandledRejection"),
  ]);
  loaded = createRequire(import.meta.url)("ext2fs") as Ext2fsModule;
  for (const listener of process.listeners("uncaughtException"))
    if (!before.has(listener)) process.removeListener("uncaughtException", listener);
  for (const listener of process.listeners("unhandledRejection"))
    if (!before.has(listener)) process.removeListener("unhandledRejection", listener);
  return loaded;
}

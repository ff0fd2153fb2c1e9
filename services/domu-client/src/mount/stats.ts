// Node's Stats, from the stat record a response carries.
import type { StatRecord } from "@xenfs/fsproto";

/** File type bits of st_mode (sys/stat.h). */
export const S_IF = {
  S_IFMT: 0o170000,
  S_IFSOCK: 0o140000,
  S_IFLNK: 0o120000,
  S_IFREG: 0o100000,
  S_IFBLK: 0o060000,
  S_IFDIR: 0o040000,
  S_IFCHR: 0o020000,
  S_IFIFO: 0o010000,
} as const;

const NS_PER_MS = 1_000_000n;

/** Nanoseconds since the epoch (past 2^53) as Node's fractional milliseconds, without rounding the whole part. */
function msOf(ns: bigint): number {
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

export class XenfsStats {
  readonly dev: number;
  readonly ino: number;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev: number;
  readonly size: number;
  readonly blksize: number;
  readonly blocks: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  readonly atime: Date;
  readonly mtime: Date;
  readonly ctime: Date;
  readonly birthtime: Date;

  constructor(record: StatRecord) {
    this.dev = record.dev;
    this.ino = record.ino;
    this.mode = record.mode;
    this.nlink = record.nlink;
    this.uid = record.uid;
    this.gid = record.gid;
    this.rdev = record.rdev;
    this.size = record.size;
    this.blksize = record.blksize;
    this.blocks = record.blocks;
    this.atimeMs = msOf(record.atimeNs);
    this.mtimeMs = msOf(record.mtimeNs);
    this.ctimeMs = msOf(record.ctimeNs);
    this.birthtimeMs = msOf(record.birthtimeNs);
    this.atime = new Date(this.atimeMs);
    this.mtime = new Date(this.mtimeMs);
    this.ctime = new Date(this.ctimeMs);
    this.birthtime = new Date(this.birthtimeMs);
  }

  isFile(): boolean {
    return this.#type() === S_IF.S_IFREG;
  }
  isDirectory(): boolean {
    return this.#type() === S_IF.S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return this.#type() === S_IF.S_IFLNK;
  }
  isBlockDevice(): boolean {
    return this.#type() === S_IF.S_IFBLK;
  }
  isCharacterDevice(): boolean {
    return this.#type() === S_IF.S_IFCHR;
  }
  isFIFO(): boolean {
    return this.#type() === S_IF.S_IFIFO;
  }
  isSocket(): boolean {
    return this.#type() === S_IF.S_IFSOCK;
  }

  #type(): number {
    return this.mode & S_IF.S_IFMT;
  }
}

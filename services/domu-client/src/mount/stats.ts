// Node's Stats, from the stat record a response carries.
import { S_IF, type StatRecord } from "@xenfs/fsproto";

const NS_PER_S = 1_000_000_000n;

/**
 * Nanoseconds since the epoch as Node's number Stats give milliseconds: split into a timespec
 * (whole seconds, nanoseconds in [0, 1e9)) and summed in doubles, the formula of Node's
 * msFromTimeSpec, so `mtimeMs` is the very number `fs.stat` gives for the same file.
 */
function msOf(ns: bigint): number {
  let sec = ns / NS_PER_S;
  let nsec = ns % NS_PER_S;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS_PER_S;
  }
  return Number(sec) * 1e3 + Number(nsec) / 1e6;
}

/** Node's dateFromMs: a Date rounds, where the Date constructor alone would truncate. */
const dateOf = (ms: number): Date => new Date(Math.round(ms));

/**
 * Node's Stats for a XenFS file, with the nanosecond times of `stat(p, { bigint: true })` as well:
 * `mtimeNs` is exact (bigint, past 2^53), `mtimeMs` is derived from it as Node derives its own.
 */
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
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly birthtimeNs: bigint;
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
    this.atimeNs = record.atimeNs;
    this.mtimeNs = record.mtimeNs;
    this.ctimeNs = record.ctimeNs;
    this.birthtimeNs = record.birthtimeNs;
    this.atimeMs = msOf(record.atimeNs);
    this.mtimeMs = msOf(record.mtimeNs);
    this.ctimeMs = msOf(record.ctimeNs);
    this.birthtimeMs = msOf(record.birthtimeNs);
    this.atime = dateOf(this.atimeMs);
    this.mtime = dateOf(this.mtimeMs);
    this.ctime = dateOf(this.ctimeMs);
    this.birthtime = dateOf(this.birthtimeMs);
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

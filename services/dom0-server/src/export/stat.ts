import type { BigIntStats, Dirent } from "node:fs";

/** What a directory entry or inode is, as XenFS reports it. */
export type EntryType = "file" | "dir" | "symlink" | "other";

/** Attributes of one inode, plain data. */
export interface FileStat {
  readonly type: EntryType;
  /** st_mode: file-type and permission bits. */
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly blocks: number;
  readonly blksize: number;
  /** Times in nanoseconds since the epoch, exactly as the host's statx gives them (bigint: past 2^53). */
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  /** 0n where the filesystem keeps no birth time (statx without STATX_BTIME). */
  readonly birthtimeNs: bigint;
  /** Identity: bigint because overlay filesystems put bits above 2^53 into inode numbers. */
  readonly ino: bigint;
  readonly dev: bigint;
  /** Bumped by every write and truncate through this export; the page cache keys pages by it. */
  readonly version: number;
}

/** The key (dev, ino) the version table and the page cache use for an inode. */
export function identityKey(stats: { readonly dev: bigint; readonly ino: bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}

export function entryType(entry: Dirent | BigIntStats): EntryType {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "dir";
  if (entry.isSymbolicLink()) return "symlink";
  return "other";
}

export function toFileStat(stats: BigIntStats, version: number): FileStat {
  return {
    type: entryType(stats),
    mode: Number(stats.mode),
    nlink: Number(stats.nlink),
    uid: Number(stats.uid),
    gid: Number(stats.gid),
    size: Number(stats.size),
    blocks: Number(stats.blocks),
    blksize: Number(stats.blksize),
    atimeNs: stats.atimeNs,
    mtimeNs: stats.mtimeNs,
    ctimeNs: stats.ctimeNs,
    birthtimeNs: stats.birthtimeNs,
    ino: stats.ino,
    dev: stats.dev,
    version,
  };
}

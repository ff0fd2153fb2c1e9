import { i64, u64, uint } from "./field.js";
import { struct, type ValuesOf } from "./struct.js";

// Node's Stats fields; times are nanoseconds since the epoch (Node's BigIntStats `*Ns`).
const STAT_FIELDS = {
  mode: uint("mode", 0, 4),
  nlink: uint("nlink", 4, 4),
  uid: uint("uid", 8, 4),
  gid: uint("gid", 12, 4),
  size: u64("size", 16),
  ino: u64("ino", 24),
  dev: u64("dev", 32),
  blocks: u64("blocks", 40),
  rdev: u64("rdev", 48),
  blksize: uint("blksize", 56, 4),
  atimeNs: i64("atimeNs", 64),
  mtimeNs: i64("mtimeNs", 72),
  ctimeNs: i64("ctimeNs", 80),
  birthtimeNs: i64("birthtimeNs", 88),
};

export const STAT_RECORD_SIZE = 96;

export type StatRecord = ValuesOf<typeof STAT_FIELDS>;

export function statRecord(offset: number) {
  return struct("stat", offset, STAT_RECORD_SIZE, STAT_FIELDS);
}

// Node's StatFs fields (statfs(2)).
const STATFS_FIELDS = {
  type: uint("type", 0, 4),
  bsize: uint("bsize", 4, 4),
  blocks: u64("blocks", 8),
  bfree: u64("bfree", 16),
  bavail: u64("bavail", 24),
  files: u64("files", 32),
  ffree: u64("ffree", 40),
};

export const STATFS_RECORD_SIZE = 48;

export type StatFsRecord = ValuesOf<typeof STATFS_FIELDS>;

export function statFsRecord(offset: number) {
  return struct("statfs", offset, STATFS_RECORD_SIZE, STATFS_FIELDS);
}

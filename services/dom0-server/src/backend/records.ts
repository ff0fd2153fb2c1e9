// ExportFs's plain data → the wire's records.
import { type DirentType, DT, type StatFsRecord, type StatRecord } from "@xenfs/fsproto";
import type { FileAttrs } from "../attr-pages.js";
import type { EntryType, ExportStatFs, FileStat } from "../export/index.js";

/** Inode numbers past 2^53 (overlayfs puts bits up there) are folded to fit the wire's u64-as-number. */
function wireIno(ino: bigint): number {
  return Number(ino & BigInt(Number.MAX_SAFE_INTEGER));
}

export function statRecordOf(stat: FileStat): StatRecord {
  return {
    mode: stat.mode,
    nlink: stat.nlink,
    uid: stat.uid,
    gid: stat.gid,
    size: stat.size,
    ino: wireIno(stat.ino),
    dev: wireIno(stat.dev),
    blocks: stat.blocks,
    rdev: 0,
    blksize: stat.blksize,
    // Nanoseconds as the host gave them, never through a float.
    atimeNs: stat.atimeNs,
    mtimeNs: stat.mtimeNs,
    ctimeNs: stat.ctimeNs,
    birthtimeNs: stat.birthtimeNs,
  };
}

export function fileAttrsOf(stat: FileStat): FileAttrs {
  return {
    ino: wireIno(stat.ino),
    size: stat.size,
    version: stat.version,
    mtimeNs: stat.mtimeNs,
    ctimeNs: stat.ctimeNs,
    mode: stat.mode,
    nlink: stat.nlink,
  };
}

export function statFsRecordOf(fs: ExportStatFs): StatFsRecord {
  const blocks = (bytes: number) => Math.floor(bytes / fs.blockSize);
  return {
    type: 0,
    bsize: fs.blockSize,
    blocks: blocks(fs.totalBytes),
    bfree: blocks(fs.freeBytes),
    bavail: blocks(fs.availableBytes),
    files: fs.totalInodes,
    ffree: fs.freeInodes,
  };
}

const DIRENT_TYPES = {
  file: DT.DT_REG,
  dir: DT.DT_DIR,
  symlink: DT.DT_LNK,
  other: DT.DT_UNKNOWN,
} as const satisfies Record<EntryType, DirentType>;

export function direntTypeOf(type: EntryType): DirentType {
  return DIRENT_TYPES[type];
}

/**
 * Request types. 1–13 are fsif's (`io/fsif.h`) with fsif's meaning where it has one: REQ_STAT
 * and REQ_FILE_TRUNCATE act on an fd, REQ_CREATE makes a file or (with `directory`) a
 * directory. XenFS adds path forms Node's fs needs, page-cache sharing, shared mmap
 * (docs/mmap.md) and page flipping in copy mode (docs/xenfs.md "Page flipping").
 */
export const FSIF_REQ = {
  REQ_FILE_OPEN: 1,
  REQ_FILE_CLOSE: 2,
  REQ_FILE_READ: 3,
  REQ_FILE_WRITE: 4,
  REQ_STAT: 5,
  REQ_FILE_TRUNCATE: 6,
  REQ_REMOVE: 7,
  REQ_RENAME: 8,
  REQ_CREATE: 9,
  REQ_DIR_LIST: 10,
  REQ_CHMOD: 11,
  REQ_FS_SPACE: 12,
  REQ_FILE_SYNC: 13,
  REQ_PATH_STAT: 14,
  REQ_PATH_LSTAT: 15,
  REQ_PATH_TRUNCATE: 16,
  REQ_RMDIR: 17,
  REQ_READLINK: 18,
  REQ_SYMLINK: 19,
  REQ_MAP_PAGES: 20,
  REQ_RELEASE_PAGES: 21,
  REQ_MMAP: 22,
  REQ_MSYNC: 23,
  REQ_MUNMAP: 24,
  REQ_WRITE_FLIP: 28,
  REQ_FLIP_REFS: 29,
} as const;

/** The op names the codecs use, each bound to its request type. */
export const FS_OPS = {
  open: FSIF_REQ.REQ_FILE_OPEN,
  close: FSIF_REQ.REQ_FILE_CLOSE,
  read: FSIF_REQ.REQ_FILE_READ,
  write: FSIF_REQ.REQ_FILE_WRITE,
  fstat: FSIF_REQ.REQ_STAT,
  ftruncate: FSIF_REQ.REQ_FILE_TRUNCATE,
  unlink: FSIF_REQ.REQ_REMOVE,
  rename: FSIF_REQ.REQ_RENAME,
  create: FSIF_REQ.REQ_CREATE,
  readdir: FSIF_REQ.REQ_DIR_LIST,
  chmod: FSIF_REQ.REQ_CHMOD,
  statfs: FSIF_REQ.REQ_FS_SPACE,
  sync: FSIF_REQ.REQ_FILE_SYNC,
  stat: FSIF_REQ.REQ_PATH_STAT,
  lstat: FSIF_REQ.REQ_PATH_LSTAT,
  truncate: FSIF_REQ.REQ_PATH_TRUNCATE,
  rmdir: FSIF_REQ.REQ_RMDIR,
  readlink: FSIF_REQ.REQ_READLINK,
  symlink: FSIF_REQ.REQ_SYMLINK,
  map_pages: FSIF_REQ.REQ_MAP_PAGES,
  release_pages: FSIF_REQ.REQ_RELEASE_PAGES,
  mmap: FSIF_REQ.REQ_MMAP,
  msync: FSIF_REQ.REQ_MSYNC,
  munmap: FSIF_REQ.REQ_MUNMAP,
  write_flip: FSIF_REQ.REQ_WRITE_FLIP,
  flip_refs: FSIF_REQ.REQ_FLIP_REFS,
} as const;

export type FsOp = keyof typeof FS_OPS;

const OP_BY_TYPE = new Map<number, FsOp>(Object.entries(FS_OPS).map(([op, type]) => [type, op as FsOp]));

/** The op a type byte names, or undefined. */
export function opOfType(type: number): FsOp | undefined {
  return OP_BY_TYPE.get(type);
}

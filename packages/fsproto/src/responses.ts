import type { FsErrnoName } from "./errno.js";
import { body } from "./layout/body.js";
import { bool, u64, uint, type ValueOf } from "./layout/field.js";
import { grefSet } from "./layout/gref-set.js";
import { statFsRecord, statRecord } from "./layout/records.js";
import { FLIP_REFS_MAX, FSIF_NR_GNTS, GREF_LIST_MAX, PAGE_SIZE, PATH_MAX } from "./limits.js";
import type { FsOp } from "./ops.js";
import { ATTR_RECORDS_PER_PAGE } from "./pages/attr-record.js";

const done = (name: string) => body(name, {});
const bytes = (name: string) => body(name, { bytes: uint("bytes", 0, 4, GREF_LIST_MAX * PAGE_SIZE) });
const stat = (name: string) => body(name, { stat: statRecord(0) });

/** Each op's response body on success; a failed response's body is all zero. */
export const RESPONSE_BODIES = {
  // The file's record in an attribute page (pages/attr-record.ts): map `attrGref` read-only once,
  // then read record `attrIndex` locally.
  open: body("open", {
    fd: uint("fd", 0, 4),
    attrGref: uint("attrGref", 4, 4),
    attrIndex: uint("attrIndex", 8, 2, ATTR_RECORDS_PER_PAGE - 1),
  }),
  close: done("close"),
  read: bytes("read"),
  write: bytes("write"),
  fstat: stat("fstat"),
  ftruncate: done("ftruncate"),
  unlink: done("unlink"),
  rename: done("rename"),
  create: done("create"),
  // The listing is a dir-list page payload written into the request's `buf`.
  readdir: body("readdir", {
    length: uint("length", 0, 2, PAGE_SIZE),
    count: uint("count", 2, 2),
    more: bool("more", 4),
    cookie: u64("cookie", 8),
  }),
  chmod: done("chmod"),
  statfs: body("statfs", { statfs: statFsRecord(0) }),
  sync: done("sync"),
  stat: stat("stat"),
  lstat: stat("lstat"),
  truncate: done("truncate"),
  rmdir: done("rmdir"),
  // The target is a path page payload written into the request's `buf`.
  readlink: body("readlink", { length: uint("length", 0, 2, PATH_MAX, 1) }),
  symlink: done("symlink"),
  // `pages` grants dom0's page-cache frames for [first, first + count) read-only; fewer than
  // asked at end of file. `version` changes whenever the file's contents do.
  map_pages: body("map_pages", {
    size: u64("size", 0),
    version: u64("version", 8),
    pages: grefSet("pages", 16, FSIF_NR_GNTS),
  }),
  release_pages: done("release_pages"),
  // As map_pages: `pages` are the mapping's own grants, fewer than asked at end of file.
  mmap: body("mmap", {
    size: u64("size", 0),
    version: u64("version", 8),
    pages: grefSet("pages", 16, FSIF_NR_GNTS),
  }),
  msync: done("msync"),
  munmap: done("munmap"),
  write_flip: bytes("write_flip"),
  // How many refs dom0 wrote into the request's `buf`.
  flip_refs: body("flip_refs", { count: uint("count", 0, 4, FLIP_REFS_MAX, 1) }),
} as const satisfies Record<FsOp, unknown>;

/** The body of a failed response: reserved, all zero. */
export const FAILED_BODY = done("failed");

type Bodies = typeof RESPONSE_BODIES;

export type FsOkResponseOf<K extends FsOp> = {
  readonly op: K;
  readonly id: number;
  readonly ok: true;
} & ValueOf<Bodies[K]>;

export interface FsFailedResponse {
  /** null answers a request that did not decode (type byte 0): its op is not known. */
  readonly op: FsOp | null;
  readonly id: number;
  readonly ok: false;
  /** The status on the wire is the negated errno of this name. */
  readonly code: FsErrnoName;
}

/** One response as it sits in a ring slot: `ok` with the op's results, or a failure status. */
export type FsResponse = { [K in FsOp]: FsOkResponseOf<K> }[FsOp] | FsFailedResponse;

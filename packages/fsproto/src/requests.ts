import { FsProtocolError } from "./errors.js";
import { body } from "./layout/body.js";
import { bool, checkedU32, u64, uint, type ValueOf } from "./layout/field.js";
import { grefCount, grefSet } from "./layout/gref-set.js";
import { pageArg } from "./layout/page-arg.js";
import {
  FLIP_REFS_MAX,
  FSIF_NR_GNTS,
  FSIF_NR_RELEASE_GNTS,
  GREF_LIST_MAX,
  PAGE_SIZE,
  PATH_MAX,
} from "./limits.js";
import { openFlagsProblem } from "./open-flags.js";
import type { FsOp } from "./ops.js";

const fd = uint("fd", 0, 4);
const path = pageArg("path", 0, PATH_MAX);
const mode = (offset: number) => uint("mode", offset, 4, 0o7777);

/** Copy-mode data: `len` bytes at file `offset`, in the granted pages, each from its byte 0. */
const copyIo = (name: string) =>
  body(
    name,
    {
      fd,
      len: uint("len", 4, 4, GREF_LIST_MAX * PAGE_SIZE),
      offset: u64("offset", 8),
      pages: grefSet("pages", 16, FSIF_NR_GNTS),
    },
    ({ len, pages }) => {
      if (len > grefCount(pages) * PAGE_SIZE) {
        throw new FsProtocolError("FSIF_BAD_LENGTH", `${name}: ${len} bytes in ${grefCount(pages)} pages`);
      }
    },
  );

/** Each op's request body; the request types below are derived from these layouts. */
export const REQUEST_BODIES = {
  open: body("open", {
    path,
    flags: checkedU32("flags", 8, openFlagsProblem),
    mode: mode(12),
  }),
  close: body("close", { fd }),
  read: copyIo("read"),
  write: copyIo("write"),
  fstat: body("fstat", { fd }),
  ftruncate: body("ftruncate", { fd, length: u64("length", 8) }),
  unlink: body("unlink", { path }),
  rename: body("rename", {
    oldPath: pageArg("oldPath", 0, PATH_MAX),
    newPath: pageArg("newPath", 8, PATH_MAX),
  }),
  create: body("create", { path, mode: mode(8), directory: bool("directory", 12) }),
  readdir: body("readdir", {
    path,
    buf: pageArg("buf", 8),
    cookie: u64("cookie", 16),
  }),
  chmod: body("chmod", { path, mode: mode(8) }),
  statfs: body("statfs", {}),
  sync: body("sync", { fd }),
  stat: body("stat", { path }),
  lstat: body("lstat", { path }),
  truncate: body("truncate", { path, length: u64("length", 8) }),
  rmdir: body("rmdir", { path }),
  readlink: body("readlink", { path, buf: pageArg("buf", 8) }),
  symlink: body("symlink", {
    target: pageArg("target", 0, PATH_MAX),
    path: pageArg("path", 8, PATH_MAX),
  }),
  map_pages: body(
    "map_pages",
    {
      fd,
      count: uint("count", 4, 4, GREF_LIST_MAX, 1),
      first: u64("first", 8),
      indirect: bool("indirect", 16),
      listGref: uint("listGref", 20, 4),
    },
    ({ count, indirect, listGref }) => {
      if (!indirect && listGref !== 0) {
        throw new FsProtocolError("FSIF_RESERVED", "map_pages: listGref set without indirect");
      }
      if (!indirect && count > FSIF_NR_GNTS) {
        throw new FsProtocolError("FSIF_OUT_OF_RANGE", `map_pages: ${count} pages need an indirect list`);
      }
    },
  ),
  release_pages: body("release_pages", { pages: grefSet("pages", 0, FSIF_NR_RELEASE_GNTS) }),
  // docs/mmap.md: grants of the cache frames of [first, first + count) for a mapping, each its
  // own grant (writable when `writable`), the pages pinned until munmap.
  mmap: body(
    "mmap",
    {
      fd,
      count: uint("count", 4, 4, GREF_LIST_MAX, 1),
      first: u64("first", 8),
      indirect: bool("indirect", 16),
      writable: bool("writable", 17),
      listGref: uint("listGref", 20, 4),
    },
    ({ count, indirect, listGref }) => {
      if (!indirect && listGref !== 0) {
        throw new FsProtocolError("FSIF_RESERVED", "mmap: listGref set without indirect");
      }
      if (!indirect && count > FSIF_NR_GNTS) {
        throw new FsProtocolError("FSIF_OUT_OF_RANGE", `mmap: ${count} pages need an indirect list`);
      }
    },
  ),
  // Writes the pages [first, first + count) of the guest's writable mappings of `fd` to disk.
  msync: body("msync", { fd, count: uint("count", 4, 4, GREF_LIST_MAX, 1), first: u64("first", 8) }),
  // The guest unmapped these mmap grants; the last writable mapper's unmap writes the page back.
  munmap: body("munmap", { pages: grefSet("pages", 0, FSIF_NR_RELEASE_GNTS) }),
  // Page flipping (docs/xenfs.md "Page flipping"): `len` bytes, whole pages, at `offset`, in the
  // frames the guest transferred into `pages`, dom0's accept_transfer refs from flip_refs.
  write_flip: copyIo("write_flip"),
  // dom0 offers `count` accept_transfer refs naming the guest, as a gref list written into `buf`.
  flip_refs: body("flip_refs", { count: uint("count", 0, 4, FLIP_REFS_MAX, 1), buf: pageArg("buf", 8) }),
} as const satisfies Record<FsOp, unknown>;

type Bodies = typeof REQUEST_BODIES;

/**
 * `id` names the request on its ring and stays the same when it is re-issued; `gen` is the
 * frontend's number for the connection it was first sent on, and `reissue` marks a copy sent
 * again on a later connection. Together with the guest they name the request for the backend's
 * reply cache (docs/xenfs.md).
 */
export type FsRequestOf<K extends FsOp> = {
  readonly op: K;
  readonly id: number;
  readonly gen?: number;
  readonly reissue?: boolean;
} & ValueOf<Bodies[K]>;

/** One request as it sits in a ring slot. */
export type FsRequest = { [K in FsOp]: FsRequestOf<K> }[FsOp];

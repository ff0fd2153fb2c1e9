// fast-check generators of valid requests and responses, shared by the codec tests.
import fc from "fast-check";
import { expect } from "vitest";
import { FS_ERRNO, type FsErrnoName } from "./errno.js";
import { FsProtocolError, type FsProtocolErrorCode } from "./errors.js";
import type { GrefSet } from "./layout/gref-set.js";
import {
  FLIP_REFS_MAX,
  FSIF_NR_GNTS,
  FSIF_NR_RELEASE_GNTS,
  GREF_LIST_MAX,
  PAGE_SIZE,
  PATH_MAX,
} from "./limits.js";
import { O } from "./open-flags.js";
import type { FsOp } from "./ops.js";
import { ATTR_RECORDS_PER_PAGE } from "./pages/attr-record.js";
import type { FsRequest } from "./requests.js";
import type { FsResponse } from "./responses.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.maxSafeNat();
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const id = fc.integer({ min: 0, max: 0xffff });
const mode = fc.integer({ min: 0, max: 0o7777 });
const path = fc.record({ gref: u32, length: fc.integer({ min: 1, max: PATH_MAX }) });
const buf = fc.record({ gref: u32, length: fc.integer({ min: 1, max: PAGE_SIZE }) });
const fd = u32;

const openFlags = fc
  .tuple(
    fc.constantFrom(O.O_RDONLY, O.O_WRONLY, O.O_RDWR),
    fc.subarray([O.O_CREAT, O.O_EXCL, O.O_TRUNC, O.O_APPEND, O.O_DIRECTORY, O.O_NOFOLLOW]),
  )
  .map(([access, bits]) => bits.reduce<number>((flags, bit) => flags | bit, access));

const grefSet = (capacity: number): fc.Arbitrary<GrefSet> =>
  fc.oneof(
    fc.array(u32, { maxLength: capacity }).map((grefs) => ({ grefs })),
    fc.record({ listGref: u32, count: fc.integer({ min: 1, max: GREF_LIST_MAX }) }),
  );

const pageCount = (set: GrefSet) => ("grefs" in set ? set.grefs.length : set.count);

const copyIo = fc
  .record({ fd, offset: u64, pages: grefSet(FSIF_NR_GNTS) })
  .chain((io) => fc.integer({ min: 0, max: pageCount(io.pages) * PAGE_SIZE }).map((len) => ({ ...io, len })));

const mapPages = fc.oneof(
  fc.record({
    fd,
    first: u64,
    count: fc.integer({ min: 1, max: FSIF_NR_GNTS }),
    indirect: fc.constant(false),
    listGref: fc.constant(0),
  }),
  fc.record({
    fd,
    first: u64,
    count: fc.integer({ min: 1, max: GREF_LIST_MAX }),
    indirect: fc.constant(true),
    listGref: u32,
  }),
);

const REQUEST_BODIES = {
  open: fc.record({ path, flags: openFlags, mode }),
  close: fc.record({ fd }),
  read: copyIo,
  write: copyIo,
  fstat: fc.record({ fd }),
  ftruncate: fc.record({ fd, length: u64 }),
  unlink: fc.record({ path }),
  rename: fc.record({ oldPath: path, newPath: path }),
  create: fc.record({ path, mode, directory: fc.boolean() }),
  readdir: fc.record({ path, buf, cookie: u64 }),
  chmod: fc.record({ path, mode }),
  statfs: fc.constant({}),
  sync: fc.record({ fd }),
  stat: fc.record({ path }),
  lstat: fc.record({ path }),
  truncate: fc.record({ path, length: u64 }),
  rmdir: fc.record({ path }),
  readlink: fc.record({ path, buf }),
  symlink: fc.record({ target: path, path }),
  map_pages: mapPages,
  release_pages: fc.record({ pages: grefSet(FSIF_NR_RELEASE_GNTS) }),
  mmap: fc.tuple(mapPages, fc.boolean()).map(([map, writable]) => ({ ...map, writable })),
  msync: fc.record({ fd, first: u64, count: fc.integer({ min: 1, max: GREF_LIST_MAX }) }),
  munmap: fc.record({ pages: grefSet(FSIF_NR_RELEASE_GNTS) }),
  write_flip: copyIo,
  flip_refs: fc.record({ count: fc.integer({ min: 1, max: FLIP_REFS_MAX }), buf }),
} satisfies Record<FsOp, fc.Arbitrary<object>>;

const stat = fc.record({
  mode: u32,
  nlink: u32,
  uid: u32,
  gid: u32,
  size: u64,
  ino: u64,
  dev: u64,
  blocks: u64,
  rdev: u64,
  blksize: u32,
  atimeNs: i64,
  mtimeNs: i64,
  ctimeNs: i64,
  birthtimeNs: i64,
});
const bytes = fc.record({ bytes: fc.integer({ min: 0, max: GREF_LIST_MAX * PAGE_SIZE }) });
const done = fc.constant({});

const RESPONSE_BODIES = {
  open: fc.record({ fd, attrGref: u32, attrIndex: fc.integer({ min: 0, max: ATTR_RECORDS_PER_PAGE - 1 }) }),
  close: done,
  read: bytes,
  write: bytes,
  fstat: fc.record({ stat }),
  ftruncate: done,
  unlink: done,
  rename: done,
  create: done,
  readdir: fc.record({
    length: fc.integer({ min: 0, max: PAGE_SIZE }),
    count: fc.integer({ min: 0, max: 0xffff }),
    more: fc.boolean(),
    cookie: u64,
  }),
  chmod: done,
  statfs: fc.record({
    statfs: fc.record({
      type: u32,
      bsize: u32,
      blocks: u64,
      bfree: u64,
      bavail: u64,
      files: u64,
      ffree: u64,
    }),
  }),
  sync: done,
  stat: fc.record({ stat }),
  lstat: fc.record({ stat }),
  truncate: done,
  rmdir: done,
  readlink: fc.record({ length: fc.integer({ min: 1, max: PATH_MAX }) }),
  symlink: done,
  map_pages: fc.record({ size: u64, version: u64, pages: grefSet(FSIF_NR_GNTS) }),
  release_pages: done,
  mmap: fc.record({ size: u64, version: u64, pages: grefSet(FSIF_NR_GNTS) }),
  msync: done,
  munmap: done,
  write_flip: bytes,
  flip_refs: fc.record({ count: fc.integer({ min: 1, max: FLIP_REFS_MAX }) }),
} satisfies Record<FsOp, fc.Arbitrary<object>>;

export const OPS = Object.keys(REQUEST_BODIES) as FsOp[];

export function requestOf(op: FsOp): fc.Arbitrary<FsRequest> {
  return fc.tuple(id, REQUEST_BODIES[op]).map(([id, body]) => ({ ...body, op, id }) as FsRequest);
}

export function responseOf(op: FsOp): fc.Arbitrary<FsResponse> {
  const ok = fc
    .tuple(id, RESPONSE_BODIES[op])
    .map(([id, body]) => ({ ...body, op, id, ok: true }) as FsResponse);
  const failed = fc
    .tuple(id, fc.constantFrom(...(Object.keys(FS_ERRNO) as FsErrnoName[])))
    .map(([id, code]): FsResponse => ({ op, id, ok: false, code }));
  return fc.oneof(ok, failed);
}

export const anyRequest = fc.oneof(...OPS.map(requestOf));
const undecoded = fc
  .tuple(id, fc.constantFrom(...(Object.keys(FS_ERRNO) as FsErrnoName[])))
  .map(([id, code]): FsResponse => ({ op: null, id, ok: false, code }));
export const anyResponse = fc.oneof(...OPS.map(responseOf), undecoded);

/** Asserts that `run` throws FsProtocolError with `code`. */
export function expectProtocolError(run: () => unknown, code: FsProtocolErrorCode): void {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(FsProtocolError);
  expect((error as FsProtocolError).code).toBe(code);
}

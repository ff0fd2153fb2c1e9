// What each request claims in RequestOrder. Changes to names and attributes (open, which may
// create or truncate, and every path op that changes something) claim the namespace
// exclusively: they wait for everything before them, and everything after waits for them. A
// request on an open file claims its inode, exclusively if it changes the file (write,
// ftruncate, close); reads, fstat and sync share it. Lookups and release_pages share the
// namespace only: a frontend never has release_pages and map_pages of one page in flight at once.
import type { FsOp, FsRequest } from "@xenfs/fsproto";
import type { GuestFiles } from "./guest-files.js";
import type { Claim } from "./request-order.js";

type Scope = "namespace" | "lookup" | "file-read" | "file-change";

const SCOPES: { readonly [K in FsOp]: Scope } = {
  open: "namespace",
  create: "namespace",
  unlink: "namespace",
  rename: "namespace",
  rmdir: "namespace",
  symlink: "namespace",
  chmod: "namespace",
  truncate: "namespace",
  stat: "lookup",
  lstat: "lookup",
  readdir: "lookup",
  readlink: "lookup",
  statfs: "lookup",
  release_pages: "lookup",
  munmap: "lookup",
  flip_refs: "lookup",
  read: "file-read",
  map_pages: "file-read",
  mmap: "file-read",
  fstat: "file-read",
  sync: "file-read",
  write: "file-change",
  write_flip: "file-change",
  ftruncate: "file-change",
  msync: "file-change",
  close: "file-change",
};

const NAMESPACE = "namespace";

export function claimsOf(request: FsRequest, files: GuestFiles): Claim[] {
  const scope = SCOPES[request.op];
  if (scope === "namespace") return [{ key: NAMESPACE, access: "exclusive" }];
  const namespace: Claim = { key: NAMESPACE, access: "shared" };
  if (scope === "lookup" || !("fd" in request)) return [namespace];
  // An fd this guest has not open fails EBADF when served; until then it orders by its number.
  const file = files.find(request.fd);
  const key = file ? `inode:${file.inode}` : `fd:${request.fd}`;
  return [namespace, { key, access: scope === "file-change" ? "exclusive" : "shared" }];
}

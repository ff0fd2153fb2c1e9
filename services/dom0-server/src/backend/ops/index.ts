import type { FsOp } from "@xenfs/fsproto";
import type { OpHandler } from "../context.js";
import { read, write } from "./data.js";
import { close, fstat, ftruncate, open, sync } from "./files.js";
import { flipRefs, writeFlip } from "./flip.js";
import { mmap, msync, munmap } from "./mmap.js";
import { mapPages, releasePages } from "./pages.js";
import {
  chmod,
  create,
  lstat,
  readdir,
  readlink,
  rename,
  rmdir,
  stat,
  statfs,
  symlink,
  truncate,
  unlink,
} from "./paths.js";

/** Every op's handler. */
export const OP_HANDLERS = {
  open,
  close,
  read,
  write,
  fstat,
  ftruncate,
  unlink,
  rename,
  create,
  readdir,
  chmod,
  statfs,
  sync,
  stat,
  lstat,
  truncate,
  rmdir,
  readlink,
  symlink,
  map_pages: mapPages,
  release_pages: releasePages,
  mmap,
  msync,
  munmap,
  write_flip: writeFlip,
  flip_refs: flipRefs,
} as const satisfies { [K in FsOp]: OpHandler<K> };

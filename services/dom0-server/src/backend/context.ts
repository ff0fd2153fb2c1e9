import type { FsOkResponseOf, FsOp, FsRequestOf } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { AttrPages } from "../attr-pages.js";
import type { ExportFs } from "../export/index.js";
import type { OverlayFs, Overlays } from "../overlay/index.js";
import type { InodeLocks, PageCache } from "../page-cache/index.js";
import type { ReplyCache } from "../reply-cache/reply-cache.js";
import type { GuestFlips } from "./flip/guest-flips.js";
import type { GuestFiles } from "./guest-files.js";
import type { GuestFs } from "./guest-fs.js";
import type { GuestPages } from "./guest-pages.js";
import type { FileMappings } from "./mmap/file-mappings.js";

/** What every guest's requests share: dom0, the export, the page cache, the attribute pages. */
export interface Dom0Services {
  readonly dom0: XenDomain;
  readonly exportFs: ExportFs;
  readonly cache: PageCache;
  readonly attrs: AttrPages;
  /** Fills, writes, truncates and opens of one inode run one at a time. */
  readonly locks: InodeLocks;
  /** Answers of non-idempotent requests, for their re-issues (survives dom0's restart). */
  readonly replies: ReplyCache;
  /** cow mode's overlays, one per guest name (XENFS_OVERLAY_DIR). */
  readonly overlays: Overlays;
  /** Guests' shared mappings of the page cache's frames (docs/mmap.md). */
  readonly mmaps: FileMappings;
}

/** One request's view: the guest it came from and that guest's pages and files. */
export interface RequestContext {
  readonly domid: number;
  readonly host: Dom0Services;
  readonly pages: GuestPages;
  readonly files: GuestFiles;
  /** The filesystem the guest's requests see: the export, or its overlay over it. */
  readonly fs: GuestFs;
  /** A cow guest's overlay (also `fs`); undefined in shared and copy mode. */
  readonly overlay: OverlayFs | undefined;
  /** Copy mode with page flipping, when the guest asked for it (docs/xenfs.md "Page flipping"). */
  readonly flips: GuestFlips | undefined;
}

/** A successful response's body for `op`: the session adds op, id and ok. */
export type OkBody<K extends FsOp> = Omit<FsOkResponseOf<K>, "op" | "id" | "ok">;

export type OpHandler<K extends FsOp> = (request: FsRequestOf<K>, ctx: RequestContext) => Promise<OkBody<K>>;

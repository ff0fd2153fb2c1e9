// What dom0 runs over one hypervisor session: its grant table, the page cache and attribute pages
// on its own frames, and XenbusBackend("xenfs") for every guest. A rejoined dom0 gets a new one:
// the old frames, grants and rings died with the old domain.
import { type FsOp, XENFS_DEVICE } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { Logger } from "@xenfs/service-kit";
import { XenbusBackend } from "@xenfs/xenbus";
import { AttrPages } from "./attr-pages.js";
import { XenfsBackendDriver } from "./backend/index.js";
import { FileMappings } from "./backend/mmap/file-mappings.js";
import { serveVbd, type VbdConfig } from "./blkback/index.js";
import type { ExportFs } from "./export/index.js";
import { GrantReaper } from "./grants/grant-reaper.js";
import { OverlayControl, type Overlays } from "./overlay/index.js";
import { CachePressureLog, InodeLocks, PageCache } from "./page-cache/index.js";
import type { ReplyCache } from "./reply-cache/reply-cache.js";

export interface ServingOptions {
  readonly exportFs: ExportFs;
  /** cow mode's per-guest overlays over the export. */
  readonly overlays: Overlays;
  /** Outlives the session (and the process): re-issues after any restart find their answers. */
  readonly replies: ReplyCache;
  readonly budgetFrames: number;
  readonly revokeDeadlineMs: number;
  readonly logger: Logger;
  readonly countRequest: (op: FsOp | "undecodable") => void;
  /** A raw disk image to serve as every guest's vbd (docs/blkif.md). */
  readonly vbd?: VbdConfig;
}

export interface XenfsServing {
  readonly cache: PageCache;
  readonly driver: XenfsBackendDriver;
  /** Disconnects every guest cleanly and gives back every grant and frame. */
  close(): Promise<void>;
  /** The session is lost: nothing is given back (it died with the domain) but the guests' files. */
  abandon(): Promise<void>;
}

/** Sets up dom0's side of XenFS on `dom0`; resolves once every running guest has its device. */
export async function serveXenfs(dom0: XenDomain, options: ServingOptions): Promise<XenfsServing> {
  const { maxNrFrames } = await dom0.grants.querySize();
  await dom0.grants.setup(maxNrFrames);
  const reaper = new GrantReaper(dom0.grants, options.revokeDeadlineMs);
  const locks = new InodeLocks();
  const cache = new PageCache(dom0.memory, dom0.grants, reaper, locks, options.budgetFrames, (gpfns) =>
    dom0.annotate(gpfns, "page_cache"),
  );
  const attrs = new AttrPages(dom0.memory, dom0.grants, reaper);
  const { exportFs, overlays, replies } = options;
  const mmaps = new FileMappings(dom0.memory, dom0.grants, reaper, cache, locks, attrs);
  const services = { dom0, exportFs, overlays, cache, attrs, locks, replies, mmaps };
  const driver = new XenfsBackendDriver(services, options.logger, options.countRequest);
  const backend = new XenbusBackend(dom0, XENFS_DEVICE, driver);
  await backend.start();
  const vbd = options.vbd && (await serveVbd(dom0, options.vbd, options.logger));
  const control = await OverlayControl.start(dom0.xs, overlays, options.logger);
  const pressure = new CachePressureLog(() => cache.stats(), options.logger);
  return {
    cache,
    driver,
    async close() {
      pressure.stop();
      await control.stop();
      await backend.close();
      await vbd?.close();
      await cache.close();
      await attrs.close();
      await reaper.settled();
    },
    abandon: () => {
      pressure.stop();
      return driver.abandon();
    },
  };
}

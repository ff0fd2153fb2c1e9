// Composition root: dom0 joins the hypervisor and serves XenFS to every guest (serving.ts), joining
// again whenever its session is lost (libxen's DomainIncarnations); HTTP on the side (health,
// metrics, /api/cache). Tests and main.ts start it the same way.
import { join } from "node:path";
import { DomainIncarnations, type MemoryTransport } from "@xenfs/libxen";
import { createHttpServer, envDefault, type Logger, silentLogger } from "@xenfs/service-kit";
import type { GuestView } from "./backend/index.js";
import type { VbdConfig } from "./blkback/index.js";
import { cacheRoute } from "./cache-api.js";
import { diskFaultsRoutes } from "./disk-faults-api.js";
import { DOM0_ENV } from "./env.js";
import { DiskFaults, ExportFs } from "./export/index.js";
import { createMetrics, type MetricSources } from "./metrics.js";
import { Overlays, resolveOverlayDir } from "./overlay/index.js";
import { PAGE_SIZE, type PageCacheStats } from "./page-cache/index.js";
import { ReplyCache } from "./reply-cache/reply-cache.js";
import { resolveStateDir } from "./reply-cache/state-dir.js";
import { serveXenfs, type XenfsServing } from "./serving.js";

export interface Dom0ServerOptions {
  /** `ws://host:port/hypercall` (XEN_HYPERVISOR_URL). */
  hypervisorUrl: string;
  /** XEN_DOM0_TOKEN. */
  dom0Token: string;
  /** The directory to export (XENFS_EXPORT). */
  exportDir: string;
  /**
   * Where state that outlives the process is kept (XENFS_STATE_DIR): the reply cache's journal.
   * Default: beside the export, else under the system's temporary directory; never inside it.
   */
  stateDir?: string;
  /**
   * cow mode's overlays (XENFS_OVERLAY_DIR): `<dir>/<guest name>` per guest. Default: `overlays/`
   * in the state directory; never inside the export.
   */
  overlayDir?: string;
  /** Page-cache budget in MiB (XENFS_CACHE_MB). */
  cacheMb?: number;
  host?: string;
  /** HTTP port (PORT); 0 = ephemeral. */
  port?: number;
  logger?: Logger;
  /** How long a guest has to unmap a revoked page before it loses it by force. */
  revokeDeadlineMs?: number;
  maxOpenFilesPerGuest?: number;
  /** XEN_FAULTS: injected on dom0's own session after each join (see parseOwnFaults). */
  faults?: string;
  /** Aborting gives up joining (a SIGTERM while the hypervisor is away). */
  signal?: AbortSignal;
  /** XEN_MEMORY_TRANSPORT: shm or socket. */
  memoryTransport?: MemoryTransport;
  /** XENFS_DISK_FAULTS: faults injected under the export (docs/faults.md#disk-faults-in-dom0). */
  diskFaults?: string;
  /** XENFS_VBD_IMAGE and XENFS_VBD_MODE: a raw disk image served as every guest's vbd. */
  vbd?: VbdConfig;
}

export interface Dom0Server {
  readonly httpUrl: string;
  readonly port: number;
  /** The directory holding dom0's reply-cache journal. */
  readonly stateDir: string;
  /** Disconnects every guest cleanly, gives back every grant and frame, leaves the hypervisor. */
  close(): Promise<void>;
}

/** The reply cache's journal, in the state directory. */
export const REPLY_JOURNAL = "reply-cache.journal";
const DEFAULT_REVOKE_DEADLINE_MS = 2_000;
const FRAMES_PER_MB = (1024 * 1024) / PAGE_SIZE;
const NO_CACHE: PageCacheStats = {
  frames: 0,
  budgetFrames: 0,
  hits: 0,
  misses: 0,
  evictions: 0,
  revocations: 0,
  files: 0,
};

export async function startDom0Server(options: Dom0ServerOptions): Promise<Dom0Server> {
  // Unset options take the environment's defaults (env.ts); the values were checked where read.
  const cacheMb = options.cacheMb ?? envDefault(DOM0_ENV, "XENFS_CACHE_MB");
  const host = options.host ?? envDefault(DOM0_ENV, "HOST");
  const budgetFrames = cacheMb * FRAMES_PER_MB;
  const disk = new DiskFaults(options.diskFaults ?? envDefault(DOM0_ENV, "XENFS_DISK_FAULTS"));
  const exportFs = new ExportFs(options.exportDir, {
    disk,
    ...(options.maxOpenFilesPerGuest === undefined
      ? {}
      : { maxOpenFilesPerGuest: options.maxOpenFilesPerGuest }),
  });
  const logger = options.logger ?? silentLogger();
  const stateDir = await resolveStateDir(options.exportDir, options.stateDir);
  const overlays = new Overlays(
    exportFs,
    await resolveOverlayDir(options.exportDir, options.overlayDir, stateDir),
  );
  const replies = await ReplyCache.open(join(stateDir, REPLY_JOURNAL));

  // Until dom0 serves (and while it rejoins) the HTTP side reports an empty cache, not ready.
  let loop: DomainIncarnations<XenfsServing> | undefined;
  const serving = (): XenfsServing | undefined => loop?.current?.attached;
  const sources: MetricSources = {
    cache: () => serving()?.cache.stats() ?? { ...NO_CACHE, budgetFrames },
    guests: (): GuestView[] => serving()?.driver.guests() ?? [],
  };
  const metrics = createMetrics(sources);
  const http = createHttpServer({
    host,
    port: options.port ?? envDefault(DOM0_ENV, "PORT"),
    routes: [cacheRoute(sources), ...diskFaultsRoutes(disk, logger)],
    ready: () => serving() !== undefined,
    metrics: metrics.registry,
    logger,
  });
  const port = await http.listen();
  try {
    loop = await DomainIncarnations.start({
      session: {
        url: options.hypervisorUrl,
        token: options.dom0Token,
        name: "Domain-0",
        logger,
        memoryTransport: options.memoryTransport ?? envDefault(DOM0_ENV, "XEN_MEMORY_TRANSPORT"),
      },
      attach: (dom0) =>
        serveXenfs(dom0, {
          exportFs,
          overlays,
          replies,
          budgetFrames,
          revokeDeadlineMs: options.revokeDeadlineMs ?? DEFAULT_REVOKE_DEADLINE_MS,
          logger,
          countRequest: metrics.countRequest,
          ...(options.vbd ? { vbd: options.vbd } : {}),
        }),
      faults: options.faults ?? envDefault(DOM0_ENV, "XEN_FAULTS"),
      role: "dom0",
      logger,
      signal: options.signal,
      // The hypervisor may be away (waited out); failing to serve on the first session is not.
      fatal: (_error, phase) => phase === "attach",
    });
  } catch (error) {
    await http.close();
    await replies.close();
    throw error;
  }
  logger.info(
    { export: exportFs.root, stateDir, overlayDir: overlays.dir, budgetFrames, port },
    "dom0 serving XenFS",
  );

  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    httpUrl: `http://${shown}:${port}`,
    port,
    stateDir,
    async close() {
      await loop?.close();
      await http.close();
      await replies.close();
    },
  };
}

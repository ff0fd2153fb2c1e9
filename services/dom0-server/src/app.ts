// Composition root: dom0 joins the hypervisor, sets up its grant table, and serves XenFS to every
// guest through XenbusBackend, with the page cache and attribute pages behind it; HTTP on the
// side (health, metrics, /api/cache). Tests and main.ts start it the same way.
import type { XenDomain } from "@xenfs/libxen";
import { ConfigError, createHttpServer, type Logger, silentLogger } from "@xenfs/service-kit";
import { XenbusBackend } from "@xenfs/xenbus";
import { AttrPages } from "./attr-pages.js";
import { type GuestView, XENFS_DEVICE, XenfsBackendDriver } from "./backend/index.js";
import { cacheRoute } from "./cache-api.js";
import { ExportFs } from "./export/index.js";
import { GrantReaper } from "./grants/grant-reaper.js";
import { joinAsDom0 } from "./join.js";
import { createMetrics, type MetricSources } from "./metrics.js";
import { InodeLocks, PAGE_SIZE, PageCache, type PageCacheStats } from "./page-cache/index.js";

export interface Dom0ServerOptions {
  /** `ws://host:port/hypercall` (XEN_HYPERVISOR_URL). */
  hypervisorUrl: string;
  /** XEN_DOM0_TOKEN. */
  dom0Token: string;
  /** The directory to export (XENFS_EXPORT). */
  exportDir: string;
  /** Page-cache budget in MiB (XENFS_CACHE_MB), default 64. */
  cacheMb?: number;
  host?: string;
  /** HTTP port, default 7001; 0 = ephemeral. */
  port?: number;
  logger?: Logger;
  /** How long a guest has to unmap a revoked page before it loses it by force. */
  revokeDeadlineMs?: number;
  maxOpenFilesPerGuest?: number;
  /** Aborting gives up joining (a SIGTERM while the hypervisor is away). */
  signal?: AbortSignal;
}

export interface Dom0Server {
  readonly httpUrl: string;
  readonly port: number;
  /** Disconnects every guest cleanly, gives back every grant and frame, leaves the hypervisor. */
  close(): Promise<void>;
}

export const MAX_CACHE_MB = 4096;
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

function budgetOf(cacheMb: number): number {
  if (!Number.isInteger(cacheMb) || cacheMb < 1 || cacheMb > MAX_CACHE_MB) {
    throw new ConfigError([{ key: "XENFS_CACHE_MB", reason: `must be an integer in [1, ${MAX_CACHE_MB}]` }]);
  }
  return cacheMb * FRAMES_PER_MB;
}

export async function startDom0Server(options: Dom0ServerOptions): Promise<Dom0Server> {
  const budgetFrames = budgetOf(options.cacheMb ?? 64);
  const exportFs = new ExportFs(
    options.exportDir,
    options.maxOpenFilesPerGuest === undefined ? {} : { maxOpenFilesPerGuest: options.maxOpenFilesPerGuest },
  );
  const logger = options.logger ?? silentLogger();

  // Filled in once dom0 has joined; until then the HTTP side reports an empty cache, not ready.
  let cache: PageCache | undefined;
  let driver: XenfsBackendDriver | undefined;
  let ready = false;
  const sources: MetricSources = {
    cache: () => cache?.stats() ?? { ...NO_CACHE, budgetFrames },
    guests: (): GuestView[] => driver?.guests() ?? [],
  };
  const metrics = createMetrics(sources);
  const http = createHttpServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 7001,
    routes: [cacheRoute(sources)],
    ready: () => ready,
    metrics: metrics.registry,
    logger,
  });
  const port = await http.listen();

  let dom0: XenDomain;
  try {
    dom0 = await joinAsDom0({
      url: options.hypervisorUrl,
      token: options.dom0Token,
      logger,
      signal: options.signal ?? new AbortController().signal,
    });
  } catch (error) {
    await http.close();
    throw error;
  }
  dom0.session.on("error", (error) => logger.warn({ err: error }, "hypervisor session error"));
  dom0.session.on("lost", (error) => {
    ready = false;
    logger.error({ err: error }, "dom0's hypervisor session is lost");
  });

  const { maxNrFrames } = await dom0.grants.querySize();
  await dom0.grants.setup(maxNrFrames);
  const reaper = new GrantReaper(dom0.grants, options.revokeDeadlineMs ?? DEFAULT_REVOKE_DEADLINE_MS);
  const locks = new InodeLocks();
  cache = new PageCache(dom0.memory, dom0.grants, reaper, locks, budgetFrames);
  const attrs = new AttrPages(dom0.memory, dom0.grants, reaper);
  driver = new XenfsBackendDriver({ dom0, exportFs, cache, attrs, locks }, logger, metrics.countRequest);
  const backend = new XenbusBackend(dom0, XENFS_DEVICE, driver);
  await backend.start();
  ready = true;
  logger.info({ export: exportFs.root, budgetFrames, port }, "dom0 serving XenFS");

  const shown = (options.host ?? "127.0.0.1").includes(":")
    ? `[${options.host}]`
    : (options.host ?? "127.0.0.1");
  const pageCache = cache;
  return {
    httpUrl: `http://${shown}:${port}`,
    port,
    async close() {
      ready = false;
      await backend.close();
      await pageCache.close();
      await attrs.close();
      await reaper.settled();
      await dom0.close();
      await http.close();
    },
  };
}

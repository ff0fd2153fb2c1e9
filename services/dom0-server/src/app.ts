// Composition root: dom0 joins the hypervisor and serves XenFS to every guest (serving.ts), joining
// again whenever its session is lost (serving-loop.ts); HTTP on the side (health, metrics,
// /api/cache). Tests and main.ts start it the same way.
import { join } from "node:path";
import type { MemoryTransport } from "@xenfs/libxen";
import { ConfigError, createHttpServer, type Logger, silentLogger } from "@xenfs/service-kit";
import type { GuestView } from "./backend/index.js";
import type { VbdConfig } from "./blkback/index.js";
import { cacheRoute } from "./cache-api.js";
import { ExportFs } from "./export/index.js";
import { joinAsDom0 } from "./join.js";
import { createMetrics, type MetricSources } from "./metrics.js";
import { PAGE_SIZE, type PageCacheStats } from "./page-cache/index.js";
import { ReplyCache } from "./reply-cache/reply-cache.js";
import { resolveStateDir } from "./reply-cache/state-dir.js";
import { serveXenfs } from "./serving.js";
import { ServingLoop } from "./serving-loop.js";

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
  /** Page-cache budget in MiB (XENFS_CACHE_MB), default 64. */
  cacheMb?: number;
  host?: string;
  /** HTTP port, default 7001; 0 = ephemeral. */
  port?: number;
  logger?: Logger;
  /** How long a guest has to unmap a revoked page before it loses it by force. */
  revokeDeadlineMs?: number;
  maxOpenFilesPerGuest?: number;
  /** XEN_FAULTS: injected on dom0's own session after each join (see parseOwnFaults). */
  faults?: string;
  /** Aborting gives up joining (a SIGTERM while the hypervisor is away). */
  signal?: AbortSignal;
  /** XEN_MEMORY_TRANSPORT: shm (default) or socket. */
  memoryTransport?: MemoryTransport;
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

export const MAX_CACHE_MB = 4096;
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
  const stateDir = await resolveStateDir(options.exportDir, options.stateDir);
  const replies = await ReplyCache.open(join(stateDir, REPLY_JOURNAL));

  // Until dom0 serves (and while it rejoins) the HTTP side reports an empty cache, not ready.
  const sources: MetricSources = {
    cache: () => loop.serving?.cache.stats() ?? { ...NO_CACHE, budgetFrames },
    guests: (): GuestView[] => loop.serving?.driver.guests() ?? [],
  };
  const metrics = createMetrics(sources);
  const given = options.signal;
  const loop = new ServingLoop({
    join: (signal) =>
      joinAsDom0({
        url: options.hypervisorUrl,
        token: options.dom0Token,
        logger,
        memoryTransport: options.memoryTransport ?? "shm",
        signal: given ? AbortSignal.any([signal, given]) : signal,
      }),
    serve: (dom0) =>
      serveXenfs(dom0, {
        exportFs,
        replies,
        budgetFrames,
        revokeDeadlineMs: options.revokeDeadlineMs ?? DEFAULT_REVOKE_DEADLINE_MS,
        logger,
        countRequest: metrics.countRequest,
        ...(options.vbd ? { vbd: options.vbd } : {}),
      }),
    faults: options.faults ?? "",
    logger,
  });
  const http = createHttpServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 7001,
    routes: [cacheRoute(sources)],
    ready: () => loop.serving !== undefined,
    metrics: metrics.registry,
    logger,
  });
  const port = await http.listen();
  try {
    await loop.start();
  } catch (error) {
    await http.close();
    await replies.close();
    throw error;
  }
  logger.info({ export: exportFs.root, stateDir, budgetFrames, port }, "dom0 serving XenFS");

  const host = options.host ?? "127.0.0.1";
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    httpUrl: `http://${shown}:${port}`,
    port,
    stateDir,
    async close() {
      await loop.close();
      await http.close();
      await replies.close();
    },
  };
}

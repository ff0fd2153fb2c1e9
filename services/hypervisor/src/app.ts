// Composition root: the hypervisor state, the WebSocket hypercall endpoint and the HTTP side
// (health, metrics, API, dashboard) on one port. Tests and main.ts start it the same way.
import type { IncomingMessage } from "node:http";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { crashProcess, createHttpServer, envDefault, type Logger, silentLogger } from "@xenfs/service-kit";
import type { XsBackend } from "@xenfs/xenstored";
import { WebSocketServer } from "ws";
import { consoleLogger } from "./console/logger.js";
import { ConsoleRing } from "./console/ring.js";
import { HYPERVISOR_ENV } from "./env.js";
import { Faults } from "./faults/faults.js";
import { adminRoutes } from "./http/admin.js";
import { apiRoutes } from "./http/api.js";
import { consoleRoutes } from "./http/console.js";
import { dashboardRoute } from "./http/dashboard.js";
import { memShareRoutes } from "./http/mem-share.js";
import { putMemory } from "./http/memory-admin.js";
import { createMetrics } from "./http/metrics.js";
import { migrationRoutes } from "./http/migration.js";
import { observeRoutes } from "./http/observe.js";
import { traceRoute } from "./http/trace.js";
import { hostMemoryProbe } from "./memory/host-memory.js";
import { startPeriodicSharing } from "./memory/mem-share-periodic.js";
import { MemoryFile } from "./memory/memory-file.js";
import { remusRoutes } from "./remus/http.js";
import { closeRemus } from "./remus/registry.js";
import { serveHeld } from "./serve.js";
import { acceptConnection } from "./session/connection.js";
import { startHeartbeat } from "./session/heartbeat.js";
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from "./session/limits.js";
import { Xen } from "./xen.js";

export interface HypervisorOptions {
  host?: string;
  /** This host's name in xl list and on the dashboard; `<hostname>:<port>` when absent. */
  hostName?: string;
  port?: number; // port 0 = ephemeral
  memoryMb?: number; // XEN_MEMORY_MB
  /** XEN_MEMORY_DIR: where the machine-memory file lives. */
  memoryDir?: string;
  clusterToken: string; // XEN_CLUSTER_TOKEN
  dom0Token: string; // XEN_DOM0_TOKEN
  sessionLeaseMs?: number; // XEN_SESSION_LEASE_MS
  faults?: string; // XEN_FAULTS
  memSharingMs?: number; // XEN_MEM_SHARING_MS
  xenstore?: XsBackend; // undefined → xs ops answer −ENOSYS
  logger?: Logger; // pino; silent when absent
  /** Per-session limits (tests lower them); defaults in session/limits.ts. */
  limits?: Partial<SessionLimits>;
}

export interface Hypervisor {
  readonly url: string; // ws://host:port/hypercall
  readonly httpUrl: string;
  readonly port: number;
  /** Machine memory: the host shared-memory file every shm domain opens. */
  readonly memory: MemoryFile;
  close(): Promise<void>;
}

export const HYPERCALL_PATH = "/hypercall";

export async function startHypervisor(options: HypervisorOptions): Promise<Hypervisor> {
  // Unset options take the environment's defaults (env.ts); the values were checked where read.
  const memoryMb = options.memoryMb ?? envDefault(HYPERVISOR_ENV, "XEN_MEMORY_MB");
  const memoryDir = options.memoryDir ?? envDefault(HYPERVISOR_ENV, "XEN_MEMORY_DIR");
  const leaseMs = options.sessionLeaseMs ?? envDefault(HYPERVISOR_ENV, "XEN_SESSION_LEASE_MS");
  const faults = new Faults(options.faults ?? envDefault(HYPERVISOR_ENV, "XEN_FAULTS"));
  const host = options.host ?? envDefault(HYPERVISOR_ENV, "HOST");
  // Xen's console ring: what the hypervisor logs, kept for xl dmesg whatever the log level.
  const ring = new ConsoleRing();
  const logger = consoleLogger(options.logger ?? silentLogger(), ring);
  const totalFrames = (memoryMb * 1024 * 1024) / XEN_PAGE_SIZE;
  const { file: memory, stale } = MemoryFile.create(memoryDir, totalFrames);
  for (const path of stale) logger.warn({ path }, "removed a memory file left by a hypervisor that died");
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
  const metrics = createMetrics();
  const xen: Xen = new Xen({
    totalFrames,
    memory,
    clusterToken: options.clusterToken,
    dom0Token: options.dom0Token,
    leaseMs,
    limits,
    faults,
    xenstore: options.xenstore,
    logger,
    counters: metrics.counters,
    crash: () => crashProcess("the hypervisor (crash_after or crash_at)"),
    serveHeld: (domain) => serveHeld(xen, domain),
  });
  const hostMemory = hostMemoryProbe(xen, memory);
  metrics.observe(xen, hostMemory);

  let ready = false;
  const http = createHttpServer({
    host,
    port: options.port ?? envDefault(HYPERVISOR_ENV, "PORT"),
    routes: [
      ...apiRoutes(xen, hostMemory),
      ...adminRoutes(xen),
      ...memShareRoutes(xen),
      ...migrationRoutes(xen),
      ...remusRoutes(xen),
      ...consoleRoutes(xen, ring),
      traceRoute(xen),
      ...observeRoutes(xen),
      {
        method: "PUT",
        path: "/api/domains",
        prefix: true,
        handler: (q, s, { rest }) => putMemory(xen, q, s, rest),
      },
      dashboardRoute(),
    ],
    ready: () => ready,
    metrics: metrics.registry,
    logger,
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayload,
    perMessageDeflate: false,
  });
  http.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== HYPERCALL_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit("connection", ws, req);
      acceptConnection(xen, ws);
    });
  });

  const stopHeartbeat = startHeartbeat(wss, limits.heartbeatMs);

  const port = await http.listen().catch((error: unknown) => {
    stopHeartbeat();
    xen.close();
    memory.close();
    throw error;
  });
  xen.hostName = options.hostName || `${hostname()}:${port}`;
  ready = true;
  const stopSharing = startPeriodicSharing(
    xen,
    options.memSharingMs ?? envDefault(HYPERVISOR_ENV, "XEN_MEM_SHARING_MS"),
  );
  const shown = host.includes(":") ? `[${host}]` : host;
  logger.info({ port, frames: xen.pool.total, memory: memory.path }, "hypervisor listening");
  return {
    url: `ws://${shown}:${port}${HYPERCALL_PATH}`,
    httpUrl: `http://${shown}:${port}`,
    port,
    memory,
    async close() {
      ready = false;
      stopSharing();
      stopHeartbeat();
      closeRemus(xen);
      xen.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await http.close();
      memory.close();
    },
  };
}

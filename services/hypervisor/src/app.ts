// Composition root: the hypervisor state, the WebSocket hypercall endpoint and the HTTP side
// (health, metrics, API, dashboard) on one port. Tests and main.ts start it the same way.
import { accessSync, constants, statSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { FaultSpecError, XEN_PAGE_SIZE } from "@xenfs/proto";
import {
  ConfigError,
  type ConfigProblem,
  createHttpServer,
  type Logger,
  silentLogger,
} from "@xenfs/service-kit";
import type { XsBackend } from "@xenfs/xenstored";
import { WebSocketServer } from "ws";
import { Faults } from "./faults.js";
import { adminRoutes } from "./http/admin.js";
import { apiRoutes } from "./http/api.js";
import { dashboardRoute } from "./http/dashboard.js";
import { createMetrics } from "./http/metrics.js";
import { hostMemoryProbe } from "./memory/host-memory.js";
import { defaultMemoryDir, MemoryFile } from "./memory/memory-file.js";
import { serveHeld } from "./serve.js";
import { acceptConnection } from "./session/connection.js";
import { startHeartbeat } from "./session/heartbeat.js";
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from "./session/limits.js";
import { Xen } from "./xen.js";

export interface HypervisorOptions {
  host?: string;
  port?: number; // port 0 = ephemeral
  memoryMb?: number; // XEN_MEMORY_MB, default 256
  /** XEN_MEMORY_DIR: where the machine-memory file lives; /dev/shm, else the OS temp dir. */
  memoryDir?: string;
  clusterToken: string; // XEN_CLUSTER_TOKEN
  dom0Token: string; // XEN_DOM0_TOKEN
  sessionLeaseMs?: number; // XEN_SESSION_LEASE_MS, default 10000
  faults?: string; // XEN_FAULTS
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
export const MAX_MEMORY_MB = 4096;

interface Validated {
  memoryMb: number;
  memoryDir: string;
  leaseMs: number;
  faults: Faults;
}

function validate(options: HypervisorOptions): Validated {
  const problems: ConfigProblem[] = [];
  const memoryDir = options.memoryDir ?? defaultMemoryDir();
  if (!isWritableDir(memoryDir)) {
    problems.push({ key: "XEN_MEMORY_DIR", reason: `${memoryDir} is not a writable directory` });
  }
  const memoryMb = options.memoryMb ?? 256;
  const leaseMs = options.sessionLeaseMs ?? 10_000;
  if (!Number.isInteger(memoryMb) || memoryMb < 1 || memoryMb > MAX_MEMORY_MB) {
    problems.push({ key: "XEN_MEMORY_MB", reason: `must be an integer in [1, ${MAX_MEMORY_MB}]` });
  }
  if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > 2 ** 31 - 1) {
    problems.push({ key: "XEN_SESSION_LEASE_MS", reason: "must be a positive number of milliseconds" });
  }
  if (!options.clusterToken) problems.push({ key: "XEN_CLUSTER_TOKEN", reason: "is required" });
  if (!options.dom0Token) problems.push({ key: "XEN_DOM0_TOKEN", reason: "is required" });
  if (options.clusterToken && options.clusterToken === options.dom0Token) {
    problems.push({ key: "XEN_DOM0_TOKEN", reason: "must differ from XEN_CLUSTER_TOKEN" });
  }
  let faults: Faults | undefined;
  try {
    faults = new Faults(options.faults ?? "");
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error;
    problems.push({ key: "XEN_FAULTS", reason: error.message });
  }
  if (problems.length > 0 || !faults) throw new ConfigError(problems);
  return { memoryMb, memoryDir, leaseMs, faults };
}

function isWritableDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function startHypervisor(options: HypervisorOptions): Promise<Hypervisor> {
  const { memoryMb, memoryDir, leaseMs, faults } = validate(options);
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger ?? silentLogger();
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
    crash: () => {
      logger.fatal("crash_after fault: killing the hypervisor");
      process.kill(process.pid, "SIGKILL");
    },
    serveHeld: (domain) => serveHeld(xen, domain),
  });
  const hostMemory = hostMemoryProbe(xen, memory);
  metrics.observe(xen, hostMemory);

  let ready = false;
  const http = createHttpServer({
    host,
    port: options.port ?? 7000,
    routes: [...apiRoutes(xen, hostMemory), ...adminRoutes(xen), dashboardRoute()],
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
  ready = true;
  const shown = host.includes(":") ? `[${host}]` : host;
  logger.info({ port, frames: xen.pool.total, memory: memory.path }, "hypervisor listening");
  return {
    url: `ws://${shown}:${port}${HYPERCALL_PATH}`,
    httpUrl: `http://${shown}:${port}`,
    port,
    memory,
    async close() {
      ready = false;
      stopHeartbeat();
      xen.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await http.close();
      memory.close();
    },
  };
}

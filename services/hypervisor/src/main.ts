// The hypervisor process: configuration from the environment, JSON logs, graceful signals.
import {
  ConfigError,
  createLogger,
  durationMs,
  int,
  LOG_LEVELS,
  oneOf,
  onShutdown,
  port,
  readConfig,
  str,
} from "@xenfs/service-kit";
import { startXenstoredSocket, XenStore } from "@xenfs/xenstored";
import { MAX_MEMORY_MB, startHypervisor } from "./app.js";
import { DEFAULT_SESSION_LIMITS } from "./session/limits.js";

const spec = {
  PORT: port({ default: 7000 }),
  HOST: str({ default: "127.0.0.1" }),
  XEN_MEMORY_MB: int({ min: 1, max: MAX_MEMORY_MB, default: 256 }),
  // Where the machine-memory file lives (a memory-backed directory); /dev/shm, else the temp dir.
  XEN_MEMORY_DIR: str({ optional: true }),
  XEN_CLUSTER_TOKEN: str({ secret: true }),
  XEN_DOM0_TOKEN: str({ secret: true }),
  XEN_SESSION_LEASE_MS: durationMs({ min: 1, default: 10_000 }),
  XEN_FAULTS: str({ default: "" }),
  XEN_HYPERCALL_RATE: int({ min: 0, max: 100_000_000, default: DEFAULT_SESSION_LIMITS.ratePerSec }),
  XEN_HYPERCALL_BURST: int({ min: 1, max: 100_000_000, default: DEFAULT_SESSION_LIMITS.burst }),
  XEN_HEARTBEAT_MS: durationMs({ min: 0, default: DEFAULT_SESSION_LIMITS.heartbeatMs }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: "info" }),
  XENSTORED_PATH: str({ optional: true }),
};

async function main(): Promise<void> {
  const env = readConfig(spec);
  const logger = createLogger({ service: "hypervisor", level: env.LOG_LEVEL });

  // XenStore: one store, reached by domains through `xs` hypercalls and, when XENSTORED_PATH is
  // set, by Xen's xenstore-* tools through a xenstored-compatible unix socket.
  const xenstore = new XenStore();
  const xenstored = env.XENSTORED_PATH
    ? await startXenstoredSocket(xenstore, env.XENSTORED_PATH, logger)
    : undefined;

  const hypervisor = await startHypervisor({
    host: env.HOST,
    port: env.PORT,
    memoryMb: env.XEN_MEMORY_MB,
    ...(env.XEN_MEMORY_DIR === undefined ? {} : { memoryDir: env.XEN_MEMORY_DIR }),
    clusterToken: env.XEN_CLUSTER_TOKEN,
    dom0Token: env.XEN_DOM0_TOKEN,
    sessionLeaseMs: env.XEN_SESSION_LEASE_MS,
    faults: env.XEN_FAULTS,
    limits: {
      ratePerSec: env.XEN_HYPERCALL_RATE,
      burst: env.XEN_HYPERCALL_BURST,
      heartbeatMs: env.XEN_HEARTBEAT_MS,
    },
    logger,
    xenstore,
  });
  logger.info({ url: hypervisor.url, dashboard: `${hypervisor.httpUrl}/` }, "hypervisor ready");
  onShutdown(
    async () => {
      await xenstored?.close();
      await hypervisor.close();
    },
    { logger },
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`hypervisor: ${error.message}`);
    process.exit(2);
  }
  console.error("hypervisor: failed to start", error);
  process.exit(1);
});

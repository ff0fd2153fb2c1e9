// The guest process: configuration from the environment, JSON logs, graceful signals.

import { MEMORY_TRANSPORTS } from "@xenfs/libxen";
import { parseOwnFaults } from "@xenfs/proto";
import {
  ConfigError,
  checked,
  createLogger,
  durationMs,
  LOG_LEVELS,
  oneOf,
  onShutdown,
  port,
  readConfig,
  str,
  url,
} from "@xenfs/service-kit";
import { startDomuClient, WORKLOADS } from "./app.js";
import { BUILT_MODES, XENFS_MODES } from "./frontend/modes.js";

const spec = {
  PORT: port({ default: 7100 }),
  HOST: str({ default: "127.0.0.1" }),
  XEN_HYPERVISOR_URL: url({ default: "ws://127.0.0.1:7000/hypercall", protocols: ["ws", "wss"] }),
  XEN_CLUSTER_TOKEN: str({ secret: true }),
  XEN_DOMAIN_NAME: str({ optional: true }),
  XENFS_MODE: oneOf(XENFS_MODES, { default: "shared" }),
  XENFS_WORKLOAD: oneOf(WORKLOADS, { default: "none" }),
  // 0: wait for dom0's backend as long as it takes (logging how long); more: give up after that.
  XENFS_CONNECT_TIMEOUT_MS: durationMs({ min: 0, default: 0 }),
  // How long one request may wait for its answer, a backend restart included (then ENOTCONN/ETIMEDOUT).
  XENFS_REQUEST_TIMEOUT_MS: durationMs({ min: 1, default: 15_000 }),
  // Faults this domain injects on its own hypervisor session (the hypervisor's grammar).
  XEN_FAULTS: checked(parseOwnFaults, { default: "" }),
  // How this domain reaches machine memory: in place in the host's memory file, or over the socket.
  XEN_MEMORY_TRANSPORT: oneOf(MEMORY_TRANSPORTS, { default: "shm" }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: "info" }),
};

async function main(): Promise<void> {
  const env = readConfig(spec);
  const mode = env.XENFS_MODE;
  if (!(BUILT_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError([
      { key: "XENFS_MODE", reason: `${mode} is not built yet (use ${BUILT_MODES.join(" or ")})` },
    ]);
  }
  const logger = createLogger({ service: "domu-client", level: env.LOG_LEVEL });
  const guest = await startDomuClient({
    hypervisorUrl: env.XEN_HYPERVISOR_URL,
    clusterToken: env.XEN_CLUSTER_TOKEN,
    ...(env.XEN_DOMAIN_NAME === undefined ? {} : { name: env.XEN_DOMAIN_NAME }),
    mode: mode as (typeof BUILT_MODES)[number],
    host: env.HOST,
    port: env.PORT,
    workload: env.XENFS_WORKLOAD,
    connectTimeoutMs: env.XENFS_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: env.XENFS_REQUEST_TIMEOUT_MS,
    faults: env.XEN_FAULTS,
    memoryTransport: env.XEN_MEMORY_TRANSPORT,
    logger,
  });
  logger.info({ domid: guest.domid, url: guest.httpUrl }, "guest ready");
  onShutdown(() => guest.close(), { logger });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`domu-client: ${error.message}`);
    process.exit(2);
  }
  console.error("domu-client: failed to start", error);
  process.exit(1);
});

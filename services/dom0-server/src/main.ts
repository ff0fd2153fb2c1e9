// The dom0 process: configuration from the environment, JSON logs with domid 0, graceful signals.
import { statSync } from "node:fs";
import { MEMORY_TRANSPORTS } from "@xenfs/libxen";
import { parseOwnFaults } from "@xenfs/proto";
import {
  ConfigError,
  checked,
  createLogger,
  int,
  LOG_LEVELS,
  oneOf,
  onShutdown,
  port,
  readConfig,
  str,
  url,
} from "@xenfs/service-kit";
import { type Dom0Server, MAX_CACHE_MB, startDom0Server } from "./app.js";

const spec = {
  PORT: port({ default: 7001 }),
  HOST: str({ default: "127.0.0.1" }),
  XEN_HYPERVISOR_URL: url({ default: "ws://127.0.0.1:7000/hypercall", protocols: ["ws", "wss"] }),
  XEN_DOM0_TOKEN: str({ secret: true }),
  XENFS_EXPORT: str(),
  // Beside the export by default (app.ts); never inside it.
  XENFS_STATE_DIR: str({ default: "" }),
  XENFS_CACHE_MB: int({ min: 1, max: MAX_CACHE_MB, default: 64 }),
  // A raw disk image served to every guest as vbd/0 (docs/blkif.md); r: to any number, w: to one.
  XENFS_VBD_IMAGE: str({ default: "" }),
  XENFS_VBD_MODE: oneOf(["r", "w"], { default: "r" }),
  // Faults this domain injects on its own hypervisor session (the hypervisor's grammar).
  XEN_FAULTS: checked(parseOwnFaults, { default: "" }),
  // How this domain reaches machine memory: in place in the host's memory file, or over the socket.
  XEN_MEMORY_TRANSPORT: oneOf(MEMORY_TRANSPORTS, { default: "shm" }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: "info" }),
};

function exportProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : "must be a directory";
  } catch {
    return "must be an existing directory";
  }
}

async function main(): Promise<void> {
  const env = readConfig(spec);
  const problem = exportProblem(env.XENFS_EXPORT);
  if (problem) throw new ConfigError([{ key: "XENFS_EXPORT", reason: problem }]);
  const logger = createLogger({ service: "dom0-server", level: env.LOG_LEVEL, bindings: { domid: 0 } });

  const joining = new AbortController();
  let server: Dom0Server | undefined;
  onShutdown(
    async () => {
      joining.abort();
      await server?.close();
    },
    { logger },
  );
  server = await startDom0Server({
    hypervisorUrl: env.XEN_HYPERVISOR_URL,
    dom0Token: env.XEN_DOM0_TOKEN,
    exportDir: env.XENFS_EXPORT,
    stateDir: env.XENFS_STATE_DIR,
    cacheMb: env.XENFS_CACHE_MB,
    faults: env.XEN_FAULTS,
    memoryTransport: env.XEN_MEMORY_TRANSPORT,
    ...(env.XENFS_VBD_IMAGE
      ? { vbd: { image: env.XENFS_VBD_IMAGE, readonly: env.XENFS_VBD_MODE === "r" } }
      : {}),
    host: env.HOST,
    port: env.PORT,
    logger,
    signal: joining.signal,
  });
  logger.info({ http: server.httpUrl }, "dom0 ready");
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`dom0-server: ${error.message}`);
    process.exit(2);
  }
  if ((error as Error).name === "AbortError") return; // stopped while joining
  console.error("dom0-server: failed to start", error);
  process.exit(1);
});

// The dom0 process: its environment (env.ts), JSON logs with domid 0, graceful signals.
import { runService } from "@xenfs/service-kit";
import { startDom0Server } from "./app.js";
import { DOM0_ENV } from "./env.js";

await runService({
  name: "dom0-server",
  env: DOM0_ENV,
  bindings: () => ({ domid: 0 }),
  start: (env, { logger, signal }) =>
    startDom0Server({
      hypervisorUrl: env.XEN_HYPERVISOR_URL,
      dom0Token: env.XEN_DOM0_TOKEN,
      exportDir: env.XENFS_EXPORT,
      stateDir: env.XENFS_STATE_DIR,
      overlayDir: env.XENFS_OVERLAY_DIR,
      cacheMb: env.XENFS_CACHE_MB,
      faults: env.XEN_FAULTS,
      diskFaults: env.XENFS_DISK_FAULTS,
      memoryTransport: env.XEN_MEMORY_TRANSPORT,
      ...(env.XENFS_VBD_IMAGE
        ? { vbd: { image: env.XENFS_VBD_IMAGE, readonly: env.XENFS_VBD_MODE === "r" } }
        : {}),
      host: env.HOST,
      port: env.PORT,
      logger,
      signal,
    }),
  ready: (server) => [{ http: server.httpUrl }, "dom0 ready"],
});

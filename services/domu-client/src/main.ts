// The guest process: its environment (env.ts), JSON logs, graceful signals.
import { runService } from "@xenfs/service-kit";
import { startDomuClient } from "./app.js";
import { DOMU_ENV } from "./env.js";

await runService({
  name: "domu-client",
  env: DOMU_ENV,
  start: (env, { logger, signal }) =>
    startDomuClient({
      hypervisorUrl: env.XEN_HYPERVISOR_URL,
      clusterToken: env.XEN_CLUSTER_TOKEN,
      ...(env.XEN_DOMAIN_NAME === undefined ? {} : { name: env.XEN_DOMAIN_NAME }),
      mode: env.XENFS_MODE,
      vbdDevid: env.XENFS_VBD_DEVID,
      blockWritable: env.XENFS_BLOCK_MOUNT === "rw",
      pageFlip: env.XENFS_PAGE_FLIP,
      host: env.HOST,
      port: env.PORT,
      workload: env.XENFS_WORKLOAD,
      connectTimeoutMs: env.XENFS_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: env.XENFS_REQUEST_TIMEOUT_MS,
      faults: env.XEN_FAULTS,
      memoryTransport: env.XEN_MEMORY_TRANSPORT,
      logger,
      signal,
    }),
  ready: (guest) => [{ domid: guest.domid, url: guest.httpUrl }, "guest ready"],
});

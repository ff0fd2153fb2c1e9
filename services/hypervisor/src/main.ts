// The hypervisor process: its environment (env.ts), JSON logs, graceful signals.
import { runService } from "@xenfs/service-kit";
import { startXenstoredSocket, XenStore } from "@xenfs/xenstored";
import { startHypervisor } from "./app.js";
import { HYPERVISOR_ENV } from "./env.js";

await runService({
  name: "hypervisor",
  env: HYPERVISOR_ENV,
  async start(env, { logger }) {
    // XenStore: one store, reached by domains through `xs` hypercalls and, when XENSTORED_PATH is
    // set, by Xen's xenstore-* tools through a xenstored-compatible unix socket.
    const xenstore = new XenStore();
    const xenstored = env.XENSTORED_PATH
      ? await startXenstoredSocket(xenstore, env.XENSTORED_PATH, logger)
      : undefined;
    const hypervisor = await startHypervisor({
      host: env.HOST,
      ...(env.XEN_HOST_NAME === undefined ? {} : { hostName: env.XEN_HOST_NAME }),
      port: env.PORT,
      memoryMb: env.XEN_MEMORY_MB,
      memoryDir: env.XEN_MEMORY_DIR,
      clusterToken: env.XEN_CLUSTER_TOKEN,
      dom0Token: env.XEN_DOM0_TOKEN,
      sessionLeaseMs: env.XEN_SESSION_LEASE_MS,
      faults: env.XEN_FAULTS,
      memSharingMs: env.XEN_MEM_SHARING_MS,
      limits: {
        ratePerSec: env.XEN_HYPERCALL_RATE,
        burst: env.XEN_HYPERCALL_BURST,
        heartbeatMs: env.XEN_HEARTBEAT_MS,
      },
      logger,
      xenstore,
    }).catch(async (error: unknown) => {
      await xenstored?.close();
      throw error;
    });
    return {
      url: hypervisor.url,
      dashboard: `${hypervisor.httpUrl}/`,
      async close() {
        await xenstored?.close();
        await hypervisor.close();
      },
    };
  },
  ready: ({ url, dashboard }) => [{ url, dashboard }, "hypervisor ready"],
});

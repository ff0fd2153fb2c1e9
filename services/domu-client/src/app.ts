// Composition root: one guest — join the hypervisor, mount XenFS, serve the admin API, run the
// workload. Tests and main.ts start it the same way.
import { hostname } from "node:os";
import { XenDomain } from "@xenfs/libxen";
import { createHttpServer, type Logger, silentLogger } from "@xenfs/service-kit";
import type { XenfsMode } from "./frontend/modes.js";
import { fsRoutes } from "./http/fs-routes.js";
import { createMetrics } from "./http/metrics.js";
import { mountRoute } from "./http/mount-route.js";
import type { XenfsMount } from "./mount/mount.js";
import { DemoWorkload } from "./workload/demo.js";
import { mount } from "./xenfs.js";

export const WORKLOADS = ["none", "demo"] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface DomuClientOptions {
  /** ws://host:port/hypercall */
  hypervisorUrl: string;
  clusterToken: string;
  /** XEN_DOMAIN_NAME; the hostname when absent. */
  name?: string;
  mode?: XenfsMode;
  host?: string;
  port?: number; // 0 = ephemeral
  workload?: WorkloadName;
  /** Pause between demo rounds. */
  workloadPauseMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  logger?: Logger;
}

export interface DomuClient {
  readonly domid: number;
  readonly name: string;
  readonly httpUrl: string;
  readonly mount: XenfsMount;
  /** Stops the workload and the API, unmounts (Closing → Closed) and leaves the hypervisor. */
  close(): Promise<void>;
}

export async function startDomuClient(options: DomuClientOptions): Promise<DomuClient> {
  const name = options.name ?? hostname();
  const domain = await XenDomain.join({ url: options.hypervisorUrl, token: options.clusterToken, name });
  const logger = (options.logger ?? silentLogger()).child({ domid: domain.domid });
  const metrics = createMetrics();
  let fs: XenfsMount;
  try {
    fs = await mount(domain, {
      mode: options.mode ?? "shared",
      observer: metrics.observer,
      onError: (error) => logger.warn({ err: error }, "xenfs"),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
  } catch (error) {
    await domain.close();
    throw error;
  }
  metrics.observe(() => fs.snapshot().pagesHeld);

  const http = createHttpServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 7100,
    routes: [...fsRoutes(fs), mountRoute(fs, domain.domid)],
    ready: () => fs.state === "Connected",
    metrics: metrics.registry,
    logger,
  });
  const port = await http.listen();
  const workload =
    options.workload === "demo"
      ? new DemoWorkload(fs, {
          name,
          logger,
          ...(options.workloadPauseMs === undefined ? {} : { pauseMs: options.workloadPauseMs }),
        })
      : undefined;
  workload?.start();
  const host = options.host ?? "127.0.0.1";
  const shown = host.includes(":") ? `[${host}]` : host;
  logger.info({ name, mode: fs.mode, port }, "guest mounted XenFS");
  return {
    domid: domain.domid,
    name,
    httpUrl: `http://${shown}:${port}`,
    mount: fs,
    async close() {
      await workload?.stop();
      await http.close();
      await fs.unmount();
      await domain.close();
    },
  };
}

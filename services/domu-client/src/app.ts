// Composition root: one guest — join the hypervisor, mount its filesystem (XenFS, or in block mode
// the ext4 image on its vbd; again whenever the session is lost), serve the admin API, run the
// workload. Tests and main.ts start it the same way.
import { hostname } from "node:os";
import { type Attached, DomainIncarnations, type MemoryTransport, type XenDomain } from "@xenfs/libxen";
import { createHttpServer, envDefault, type Logger, silentLogger } from "@xenfs/service-kit";
import { DOMU_ENV } from "./env.js";
import type { XenfsModeName } from "./frontend/modes.js";
import { type GuestMount, mountGuest } from "./guest-mount.js";
import { fsRoutes } from "./http/fs-routes.js";
import { createMetrics } from "./http/metrics.js";
import { mountRoute } from "./http/mount-route.js";
import { MountCounters } from "./mount/counters.js";
import { CurrentMount } from "./rejoin/current-mount.js";
import { DemoWorkload } from "./workload/demo.js";
import type { WorkloadName } from "./workload/names.js";
import { MountError } from "./xenfs.js";

export interface DomuClientOptions {
  /** ws://host:port/hypercall */
  hypervisorUrl: string;
  clusterToken: string;
  /** XEN_DOMAIN_NAME; the hostname when absent. */
  name?: string;
  mode?: XenfsModeName;
  /** Block mode: which vbd (XENFS_VBD_DEVID). */
  vbdDevid?: number;
  /** Block mode: mount read-write when the disk allows it (XENFS_BLOCK_MOUNT=rw); default read-only. */
  blockWritable?: boolean;
  /** XENFS_PAGE_FLIP: copy mode by page flipping where dom0 offers it. */
  pageFlip?: boolean;
  host?: string;
  port?: number; // 0 = ephemeral
  workload?: WorkloadName;
  /** Pause between demo rounds. */
  workloadPauseMs?: number;
  /** 0 or absent: mount() waits for dom0's backend as long as it takes. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** XEN_FAULTS: injected on the guest's own session after each join (see parseOwnFaults). */
  faults?: string;
  /** XEN_MEMORY_TRANSPORT: shm or socket. */
  memoryTransport?: MemoryTransport;
  logger?: Logger;
  /** Aborted (a signal): stop waiting for a hypervisor that is away. */
  signal?: AbortSignal;
}

export interface DomuClient {
  /** The current domain's id (a rejoin gets a new one); while the guest rejoins, the lost one's. */
  readonly domid: number;
  readonly name: string;
  readonly httpUrl: string;
  /** The current mount; while the guest rejoins, the lost one, whose calls fail with ENOTCONN. */
  readonly mount: GuestMount;
  /** Stops the workload and the API, unmounts (Closing → Closed) and leaves the hypervisor. */
  close(): Promise<void>;
}

/** One incarnation's mount: its XenFS device, or in block mode its vbd's filesystem. */
interface MountedDevice extends Attached {
  readonly mount: GuestMount;
}

export async function startDomuClient(options: DomuClientOptions): Promise<DomuClient> {
  const name = options.name ?? hostname();
  // Unset options take the environment's defaults (env.ts); the values were checked where read.
  const host = options.host ?? envDefault(DOMU_ENV, "HOST");
  const logger = options.logger ?? silentLogger();
  const metrics = createMetrics();
  const mode = options.mode ?? envDefault(DOMU_ENV, "XENFS_MODE");
  // One set of counters for every mount: the process's totals go on across rejoins.
  const counters = new MountCounters(metrics.observer);
  // The mount routes and the workload use: the current incarnation's (rejoin/current-mount.ts).
  let current: CurrentMount | undefined;
  // Remus's output commit (docs/remus.md#output-commit): the current incarnation's.
  let domainNow: XenDomain | undefined;
  const guest = await DomainIncarnations.start<MountedDevice>({
    session: {
      url: options.hypervisorUrl,
      token: options.clusterToken,
      name,
      logger,
      memoryTransport: options.memoryTransport ?? "shm",
    },
    attach: async (domain) => {
      if (mode !== "block") {
        // xl save and xl migrate: the frontend disconnects and reconnects (docs/migration.md#xenfs-frontend).
        await domain.enableSuspend();
        domain.session.on("attached", ({ domid }: { domid: number }) => current?.moved(domid));
      }
      const mounted = await mountGuest(domain, {
        mode,
        devid: options.vbdDevid ?? 0,
        writable: options.blockWritable === true,
        ...(options.pageFlip === undefined ? {} : { pageFlip: options.pageFlip }),
        counters,
        onError: (error) => logger.warn({ err: error, domid: domain.domid }, "xenfs"),
        onWaiting: (waitedMs) =>
          logger.warn(
            { domid: domain.domid, waitedMs },
            `still waiting for the ${mode === "block" ? "vbd" : "XenFS"} backend (${Math.round(waitedMs / 1000)} s)`,
          ),
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      });
      // The balloon driver, as Linux starts it for every boot: `xl mem-set` moves this domain's
      // reservation (docs/observing.md#balloon). A new incarnation is a new domain: a new driver.
      const balloon = await domain.balloon().catch(async (error: unknown) => {
        await mounted.unmount().catch(() => undefined);
        throw error;
      });
      return {
        mount: mounted,
        close: async () => {
          await balloon.stop();
          await mounted.unmount();
        },
        // Calls in flight and new ones fail with ENOTCONN at once until the next mount.
        abandon: () => {
          void balloon.stop();
          current?.lose();
        },
      };
    },
    faults: options.faults ?? envDefault(DOMU_ENV, "XEN_FAULTS"),
    role: "guest",
    logger,
    signal: options.signal,
    // A MountError means the user's XENFS_CONNECT_TIMEOUT_MS ran out: theirs to see. A block
    // mount refused (an image with no filesystem, cut short, or a writable one in use) is retried
    // with the rest, logged with its reason: dom0 may be given a good image meanwhile.
    fatal: (error) => error instanceof MountError,
    onIncarnation: ({ domain, attached }) => {
      domainNow = domain;
      if (current) current.replace(attached.mount, domain.domid);
      else current = new CurrentMount(attached.mount, domain.domid);
    },
  });
  const mounts = current as CurrentMount;
  metrics.observe(() => mounts.snapshot().pagesHeld);

  const http = createHttpServer({
    host,
    port: options.port ?? envDefault(DOMU_ENV, "PORT"),
    routes: [...fsRoutes(mounts, () => domainNow?.remus.commit()), mountRoute(mounts)],
    ready: () => mounts.connected,
    metrics: metrics.registry,
    logger,
  });
  const port = await http.listen();
  const workload =
    (options.workload ?? envDefault(DOMU_ENV, "XENFS_WORKLOAD")) === "demo"
      ? new DemoWorkload(mounts, {
          name,
          logger,
          ...(options.workloadPauseMs === undefined ? {} : { pauseMs: options.workloadPauseMs }),
        })
      : undefined;
  workload?.start();
  const shown = host.includes(":") ? `[${host}]` : host;
  const what = mounts.mount.mode === "block" ? "its vbd's filesystem" : "XenFS";
  logger.info({ domid: mounts.domid, name, mode: mounts.mount.mode, port }, `guest mounted ${what}`);
  return {
    get domid() {
      return mounts.domid;
    },
    name,
    httpUrl: `http://${shown}:${port}`,
    get mount() {
      return mounts.mount;
    },
    async close() {
      await workload?.stop();
      await http.close();
      await guest.close();
    },
  };
}

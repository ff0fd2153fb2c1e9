// The host a scenario runs on, as local processes: the hypervisor, dom0 over a fresh export and
// state directory, and N guests, each one a service a fault may kill and the runner start again.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOM0_ENV } from "@xenfs/dom0-server/env";
import { DOMU_ENV } from "@xenfs/domu-client/env";
import { buildEnv } from "@xenfs/service-kit";
import {
  CLUSTER_TOKEN,
  DOM0_TOKEN,
  type DomainView,
  domainsView,
  type HypervisorProcess,
  JsonLinesProcess,
  startHypervisorProcess,
  TEST_MEMORY_TRANSPORT,
} from "@xenfs/testkit";
import type { Scenario } from "./scenario.js";

const READY_MS = 90_000;

export interface Service {
  readonly process: JsonLinesProcess;
  /** Its HTTP side (dom0: /api/faults/disk; a guest: /fs). */
  readonly url: string;
  readonly domid: number;
}

export class LocalHost {
  readonly exportDir: string;
  #dom0: Service | undefined;
  readonly #guests: (Service | undefined)[];
  #stopping = false;
  /** Services that died by themselves (a torn write kills dom0) and were started again. */
  readonly crashes: { readonly target: string; readonly restarted: Promise<unknown> }[] = [];

  private constructor(
    readonly scenario: Scenario,
    readonly hv: HypervisorProcess,
    private readonly base: string,
  ) {
    this.exportDir = join(base, "export");
    this.#guests = Array.from({ length: scenario.host.guests }, () => undefined);
  }

  static async start(scenario: Scenario): Promise<LocalHost> {
    const base = await mkdtemp(join(tmpdir(), `xenfs-chaos-${scenario.name}-`));
    await mkdir(join(base, "export"));
    await mkdir(join(base, "state"));
    const hv = await startHypervisorProcess({
      XEN_MEMORY_MB: scenario.host.memoryMb,
      XEN_SESSION_LEASE_MS: 300,
    });
    const host = new LocalHost(scenario, hv, base);
    try {
      await host.startDom0();
    } catch (error) {
      await host.stop();
      throw error;
    }
    return host;
  }

  get dom0(): Service | undefined {
    return this.#dom0;
  }

  guest(i: number): Service | undefined {
    return this.#guests[i];
  }

  get guestCount(): number {
    return this.#guests.length;
  }

  async startDom0(): Promise<Service> {
    const env = buildEnv(DOM0_ENV, {
      PORT: 0,
      HOST: "127.0.0.1",
      XEN_HYPERVISOR_URL: this.hv.url,
      XEN_DOM0_TOKEN: DOM0_TOKEN,
      XENFS_EXPORT: this.exportDir,
      XENFS_STATE_DIR: join(this.base, "state"),
      XENFS_CACHE_MB: this.scenario.host.cacheMb,
      XEN_MEMORY_TRANSPORT: TEST_MEMORY_TRANSPORT,
      LOG_LEVEL: "info",
    });
    const dom0 = await started(
      JsonLinesProcess.start("dom0", "services/dom0-server/src/main.ts", env),
      "dom0",
    );
    this.#dom0 = dom0;
    this.#supervise("dom0", dom0, () => this.#dom0 === dom0);
    return dom0;
  }

  async startGuest(i: number): Promise<Service> {
    const name = `guest-${i}`;
    const env = buildEnv(DOMU_ENV, {
      PORT: 0,
      HOST: "127.0.0.1",
      XEN_HYPERVISOR_URL: this.hv.url,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      XEN_DOMAIN_NAME: name,
      XENFS_MODE: this.scenario.host.mode,
      XEN_MEMORY_TRANSPORT: TEST_MEMORY_TRANSPORT,
      // Rides out a dom0 restart (re-issued requests); the runner's own deadline judges hangs.
      XENFS_REQUEST_TIMEOUT_MS: Math.max(this.scenario.workload.deadlineMs * 2, 10_000),
      LOG_LEVEL: "info",
    });
    const guest = await started(JsonLinesProcess.start(name, "services/domu-client/src/main.ts", env), name);
    this.#guests[i] = guest;
    this.#supervise(name, guest, () => this.#guests[i] === guest);
    return guest;
  }

  /** SIGKILL a service; its slot is empty until it is started again. */
  async kill(target: string): Promise<void> {
    if (target === "dom0") {
      const dom0 = this.#dom0;
      this.#dom0 = undefined;
      await dom0?.process.kill("SIGKILL");
      return;
    }
    const i = guestIndex(target);
    const guest = this.#guests[i];
    this.#guests[i] = undefined;
    await guest?.process.kill("SIGKILL");
  }

  async restart(target: string): Promise<Service> {
    return target === "dom0" ? this.startDom0() : this.startGuest(guestIndex(target));
  }

  /** The domid a target had when its process started (a guest started again is a new domain). */
  domidOf(target: string): number | undefined {
    return this.service(target)?.domid;
  }

  service(target: string): Service | undefined {
    return target === "dom0" ? this.#dom0 : this.#guests[guestIndex(target)];
  }

  /**
   * The domid the hypervisor lists for a running target now: a guest whose domain died (frozen
   * past its lease) joins again as a new domain within the same process.
   */
  async currentDomid(target: string): Promise<number | undefined> {
    if (this.service(target) === undefined) return undefined;
    if (target === "dom0") return 0;
    const live = (await this.domains()).filter(
      (d) => d.name === target && (d.state === "running" || d.state === "paused"),
    );
    return live[live.length - 1]?.domid;
  }

  domains(): Promise<DomainView[]> {
    return domainsView(this.hv.httpUrl);
  }

  /** Stops every guest (SIGTERM), the dom0 and the hypervisor; removes the directories. */
  async stopGuests(): Promise<void> {
    const guests = [...this.#guests];
    this.#guests.fill(undefined);
    await Promise.all(guests.map((guest) => guest?.process.stop()));
  }

  /**
   * A service that exits while it is still the current one died by itself (the runner empties
   * the slot before it kills or stops one): it is started again, as a launcher would.
   */
  #supervise(target: string, service: Service, current: () => boolean): void {
    service.process
      .waitFor("its exit", () => false, 2 ** 31 - 1)
      .catch(() => {
        if (!current() || this.#stopping) return;
        if (target === "dom0") this.#dom0 = undefined;
        else this.#guests[guestIndex(target)] = undefined;
        this.crashes.push({
          target,
          restarted: this.restart(target).catch((error: unknown) => error),
        });
      });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled(this.crashes.map((crash) => crash.restarted));
    await this.stopGuests();
    await this.#dom0?.process.stop();
    await this.hv.stop();
    await rm(this.base, { recursive: true, force: true });
  }
}

export function guestIndex(target: string): number {
  return Number(/^guest-(\d+)$/.exec(target)?.[1] ?? Number.NaN);
}

/** Waits for the service's ready line (`{http|url, domid}`), killing it if it never comes. */
async function started(process: JsonLinesProcess, label: string): Promise<Service> {
  try {
    const ready = await process.waitFor<{ http?: string; url?: string; domid?: number }>(
      `${label} ready`,
      (m) => m.msg === "dom0 ready" || m.msg === "guest ready",
      READY_MS,
    );
    return { process, url: (ready.http ?? ready.url) as string, domid: ready.domid ?? 0 };
  } catch (error) {
    await process.kill();
    throw error;
  }
}

// The host a scenario runs on as the compose cluster (`host: { kind: compose }`, docs/chaos.md#compose):
// the services of docker-compose.yml in a project of the scenario's own, guests added one
// replica at a time, reached at their containers' addresses. Kills are `docker kill` (SIGKILL)
// and `docker start`; a freeze stops the container's one process (node, PID 1) by SIGSTOP from
// the host, as `docker pause` freezes it; message faults go through the hypervisor's admin API
// and disk faults through dom0's, as on local processes. The images are those of
// `pnpm docker:build` (XENFS_TAG, default latest).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CLUSTER_TOKEN, DOM0_TOKEN, type DomainView, domainsView } from "@xenfs/testkit";
import { guestIndex, type LocalHost } from "./host.js";
import type { Scenario } from "./scenario.js";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const READY_MS = 120_000;
const POLL_MS = 250;

/** What the runner, the workload and the faults use of a host, whichever shape it has. */
export type ChaosHost = LocalHost | ComposeHost;

/** A running service: its container, its HTTP side, its domain when it started. */
export interface ComposeService {
  readonly container: string;
  /** The container's process as the host sees it (a freeze stops it). */
  readonly process: { readonly pid: number | undefined };
  readonly url: string;
  readonly domid: number;
}

async function docker(...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec("docker", args, { cwd: ROOT, maxBuffer: 16 << 20 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`docker ${args.join(" ")}: ${stderr || (error as Error).message}`);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + READY_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    const value = await probe().catch((error: unknown) => {
      last = error;
      return undefined;
    });
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(
    `compose host: no ${what} after ${READY_MS / 1000} s${last ? ` (${(last as Error).message})` : ""}`,
  );
}

async function ready(url: string): Promise<boolean> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(
    () => undefined,
  );
  return response?.ok ?? false;
}

export class ComposeHost {
  readonly exportDir: string;
  readonly hv: { readonly httpUrl: string };
  /** Services that died by themselves: Docker starts them again (restart: unless-stopped). */
  readonly crashes: { readonly target: string; readonly restarted: Promise<unknown> }[] = [];
  #dom0: ComposeService | undefined;
  readonly #guests: (ComposeService | undefined)[];
  /** Each guest slot's container, kept while it is killed so `restart` starts the same one. */
  readonly #containers: (string | undefined)[];

  private constructor(
    readonly scenario: Scenario,
    private readonly project: string,
    private readonly env: NodeJS.ProcessEnv,
    hypervisorUrl: string,
    exportDir: string,
    private readonly dom0Container: string,
  ) {
    this.hv = { httpUrl: hypervisorUrl };
    this.exportDir = exportDir;
    this.#guests = Array.from({ length: scenario.host.guests }, () => undefined);
    this.#containers = Array.from({ length: scenario.host.guests }, () => undefined);
  }

  static async start(scenario: Scenario): Promise<ComposeHost> {
    // XENFS_CHAOS_PROJECT: the prefix of the compose project, to keep clear of others on the engine.
    const project = `${process.env["XENFS_CHAOS_PROJECT"] || "xenfs-chaos"}-${scenario.name}`.toLowerCase();
    const tag = process.env["XENFS_TAG"] || "latest";
    await docker("image", "inspect", `xenfs-domu:${tag}`).catch(() => {
      throw new Error(
        `compose host: no image xenfs-domu:${tag}: run \`pnpm docker:build\` (or set XENFS_TAG)`,
      );
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      COMPOSE_PROJECT_NAME: project,
      XENFS_TAG: tag,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      XEN_DOM0_TOKEN: DOM0_TOKEN,
      XEN_MEMORY_MB: String(scenario.host.memoryMb),
      XENFS_CACHE_MB: String(scenario.host.cacheMb),
      XENFS_MODE: scenario.host.mode,
      XEN_SESSION_LEASE_MS: "1000",
      // No host port: the runner reaches the containers at their addresses.
      XEN_DASHBOARD_PUBLISH: "127.0.0.1:",
    };
    const compose = (...args: string[]) => composeIn(env, args);
    await compose("down", "--volumes", "--remove-orphans", "--timeout", "5").catch(() => undefined);
    try {
      await compose("up", "-d", "--scale", "domu=0");
      const hvContainer = await oneContainer(project, "hypervisor");
      const dom0Container = await oneContainer(project, "dom0");
      const hypervisorUrl = `http://${await address(hvContainer)}:7000`;
      const exportDir = await docker("volume", "inspect", "-f", "{{.Mountpoint}}", `${project}_export`);
      const host = new ComposeHost(scenario, project, env, hypervisorUrl, exportDir, dom0Container);
      await host.startDom0();
      return host;
    } catch (error) {
      await compose("down", "--volumes", "--remove-orphans", "--timeout", "5").catch(() => undefined);
      throw error;
    }
  }

  get dom0(): ComposeService | undefined {
    return this.#dom0;
  }

  guest(i: number): ComposeService | undefined {
    return this.#guests[i];
  }

  get guestCount(): number {
    return this.#guests.length;
  }

  async startDom0(): Promise<ComposeService> {
    await docker("start", this.dom0Container);
    const dom0 = await this.#service(this.dom0Container, 7001, async () => 0);
    this.#dom0 = dom0;
    return dom0;
  }

  /** The i-th guest: a new domu replica the first time, its container started again after a kill. */
  async startGuest(i: number): Promise<ComposeService> {
    let container = this.#containers[i];
    if (container === undefined) {
      const before = new Set(await containers(this.project, "domu"));
      const replicas = this.#containers.filter((c) => c !== undefined).length + 1;
      await composeIn(this.env, [
        "up",
        "-d",
        "--no-recreate",
        "--no-deps",
        "--scale",
        `domu=${replicas}`,
        "domu",
      ]);
      container = (await containers(this.project, "domu")).find((c) => !before.has(c));
      if (container === undefined) throw new Error(`compose host: no new domu container for guest-${i}`);
      this.#containers[i] = container;
    } else {
      await docker("start", container);
    }
    const name = container.slice(0, 12);
    const guest = await this.#service(container, 7100, async () => this.#liveDomid(name));
    this.#guests[i] = guest;
    return guest;
  }

  /** `docker kill` (SIGKILL): the slot is empty until `restart` starts the container again. */
  async kill(target: string): Promise<void> {
    const service = this.service(target);
    if (target === "dom0") this.#dom0 = undefined;
    else this.#guests[guestIndex(target)] = undefined;
    if (service !== undefined) await docker("kill", service.container);
  }

  async restart(target: string): Promise<ComposeService> {
    return target === "dom0" ? this.startDom0() : this.startGuest(guestIndex(target));
  }

  domidOf(target: string): number | undefined {
    return this.service(target)?.domid;
  }

  service(target: string): ComposeService | undefined {
    return target === "dom0" ? this.#dom0 : this.#guests[guestIndex(target)];
  }

  /** The domid the hypervisor lists for a running target now (a guest that rejoined has a new one). */
  async currentDomid(target: string): Promise<number | undefined> {
    const service = this.service(target);
    if (service === undefined) return undefined;
    return target === "dom0" ? 0 : this.#liveDomid(service.container.slice(0, 12));
  }

  domains(): Promise<DomainView[]> {
    return domainsView(this.hv.httpUrl);
  }

  /** `docker stop` every guest (SIGTERM: each unmounts and leaves cleanly). */
  async stopGuests(): Promise<void> {
    const running = this.#guests.filter((g) => g !== undefined).map((g) => g.container);
    this.#guests.fill(undefined);
    if (running.length > 0) await docker("stop", "--time", "20", ...running);
  }

  /** The whole project down, its volumes with it. */
  async stop(): Promise<void> {
    await composeIn(this.env, ["down", "--volumes", "--remove-orphans", "--timeout", "20"]);
  }

  async #liveDomid(name: string): Promise<number | undefined> {
    const live = (await this.domains()).filter(
      (d) => d.name === name && (d.state === "running" || d.state === "paused"),
    );
    return live[live.length - 1]?.domid;
  }

  /** Waits until the container answers /readyz and its domain is listed. */
  async #service(
    container: string,
    port: number,
    domid: () => Promise<number | undefined>,
  ): Promise<ComposeService> {
    return until(`ready ${container.slice(0, 12)}`, async () => {
      const url = `http://${await address(container)}:${port}`;
      if (!(await ready(url))) return undefined;
      const id = await domid();
      if (id === undefined) return undefined;
      const pid = Number(await docker("inspect", "-f", "{{.State.Pid}}", container));
      return { container, process: { pid: pid > 0 ? pid : undefined }, url, domid: id };
    });
  }
}

function composeIn(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<string> {
  return exec("infra/docker/compose.sh", [...args], { cwd: ROOT, env, maxBuffer: 16 << 20 }).then(
    ({ stdout }) => stdout.trim(),
    (error: { stderr?: string; message: string }) => {
      throw new Error(`compose ${args.join(" ")}: ${error.stderr?.trim() || error.message}`);
    },
  );
}

async function containers(project: string, service: string): Promise<string[]> {
  const out = await docker(
    "ps",
    "-aq",
    "--no-trunc",
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--filter",
    `label=com.docker.compose.service=${service}`,
  );
  return out === "" ? [] : out.split("\n");
}

async function oneContainer(project: string, service: string): Promise<string> {
  const [id, ...more] = await containers(project, service);
  if (id === undefined || more.length > 0) throw new Error(`compose host: expected one ${service} container`);
  return id;
}

async function address(container: string): Promise<string> {
  const ip = await docker(
    "inspect",
    "-f",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    container,
  );
  if (ip === "") throw new Error(`compose host: container ${container.slice(0, 12)} has no address`);
  return ip;
}

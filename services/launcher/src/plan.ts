// Which processes make up a host (docs/design.md#processes) and the environment each one gets, written through each
// service's own env spec (buildEnv), so a name or a value out of range fails here. Pure: the same
// options and tokens always give the same plan, so it is checked without starting anything.
import { DOM0_ENV } from "@xenfs/dom0-server/env";
import { DOMU_ENV } from "@xenfs/domu-client/env";
import { HYPERVISOR_ENV } from "@xenfs/hypervisor/env";
import { buildEnv } from "@xenfs/service-kit";
import { GUEST_PORT_OFFSET, type LaunchOptions } from "./options.js";

export type Role = "hypervisor" | "dom0" | "guest";

/** The folder under services/ that implements each role. */
export const SERVICE_FOLDERS: Readonly<Record<Role, string>> = {
  hypervisor: "hypervisor",
  dom0: "dom0-server",
  guest: "domu-client",
};

export const LOOPBACK = "127.0.0.1";

export interface ServiceSpec {
  /** What the launcher and the log file call it: hypervisor, dom0, guest-1, … */
  readonly name: string;
  readonly role: Role;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
}

/** Per-run secrets: a fresh pair for every launch, so a stale guest cannot join a new host. */
export interface HostTokens {
  readonly cluster: string;
  readonly dom0: string;
}

export interface HostPlan {
  readonly hypervisor: ServiceSpec;
  readonly dom0: ServiceSpec;
  readonly guests: readonly ServiceSpec[];
  /** Hosts b, c, …: a hypervisor and a dom0 each, same export, no guests (migration targets). */
  readonly others: readonly PeerHost[];
}

export interface PeerHost {
  readonly hypervisor: ServiceSpec;
  readonly dom0: ServiceSpec;
}

/** Where the host keeps things on disk. */
export interface HostPaths {
  /** The directory dom0 exports. */
  readonly exportDir: string;
  /** The hypervisor's xenstored-compatible unix socket, for Xen's own xenstore-* tools. */
  readonly xenstoredPath: string;
  /** Block mode: the image every dom0 serves read-only as vbd/0 (docs/blkif.md). */
  readonly blockImage?: string;
}

export type PlanOptions = Pick<
  LaunchOptions,
  "guests" | "mode" | "memoryMb" | "cacheMb" | "basePort" | "logLevel"
> &
  Partial<Pick<LaunchOptions, "hosts">>;

const spec = (name: string, role: Role, port: number, env: Record<string, string>): ServiceSpec => ({
  name,
  role,
  port,
  env,
});

/**
 * `peerTokens` are hosts b, c, …'s own tokens (one pair each, options.hosts − 1 of them): hosts
 * know each other only through the toolstack. Host b's hypervisor is on base + 2, its dom0 on
 * base + 3, and so on; its XenStore socket beside the first's, suffixed `-b`.
 */
export function planHost(
  options: PlanOptions,
  paths: HostPaths,
  tokens: HostTokens,
  peerTokens: readonly HostTokens[] = [],
): HostPlan {
  const hosts = options.hosts ?? 1;
  if (peerTokens.length !== hosts - 1) throw new Error(`${hosts} hosts need ${hosts - 1} peer token pairs`);
  const first = planPair(options, paths, tokens, "", "a");
  return {
    ...first,
    guests: planGuests(options, tokens),
    others: peerTokens.map((peer, i) =>
      planPair(
        options,
        {
          ...paths,
          xenstoredPath: paths.xenstoredPath.replace(/(\.sock)?$/, (ext = "") => `-${suffix(i)}${ext}`),
        },
        peer,
        `-${suffix(i)}`,
        suffix(i),
        2 * (i + 1),
      ),
    ),
  };
}

/** Host b, c, d… (the first host is a). */
function suffix(i: number): string {
  return String.fromCharCode("b".charCodeAt(0) + i);
}

function planPair(
  options: PlanOptions,
  paths: HostPaths,
  tokens: HostTokens,
  nameSuffix: string,
  hostName: string,
  portOffset = 0,
): PeerHost {
  const hypervisorPort = options.basePort + portOffset;
  const hypervisorUrl = `ws://${LOOPBACK}:${hypervisorPort}/hypercall`;
  return {
    hypervisor: spec(
      `hypervisor${nameSuffix}`,
      "hypervisor",
      hypervisorPort,
      buildEnv(HYPERVISOR_ENV, {
        HOST: LOOPBACK,
        PORT: hypervisorPort,
        XEN_MEMORY_MB: options.memoryMb,
        XEN_CLUSTER_TOKEN: tokens.cluster,
        XEN_DOM0_TOKEN: tokens.dom0,
        XEN_HOST_NAME: hostName,
        XENSTORED_PATH: paths.xenstoredPath,
        LOG_LEVEL: options.logLevel,
      }),
    ),
    dom0: spec(
      `dom0${nameSuffix}`,
      "dom0",
      hypervisorPort + 1,
      buildEnv(DOM0_ENV, {
        HOST: LOOPBACK,
        PORT: hypervisorPort + 1,
        XEN_HYPERVISOR_URL: hypervisorUrl,
        XEN_DOM0_TOKEN: tokens.dom0,
        XENFS_EXPORT: paths.exportDir,
        XENFS_CACHE_MB: options.cacheMb,
        ...(paths.blockImage === undefined ? {} : { XENFS_VBD_IMAGE: paths.blockImage, XENFS_VBD_MODE: "r" }),
        LOG_LEVEL: options.logLevel,
      }),
    ),
  };
}

function planGuests(options: PlanOptions, tokens: HostTokens): ServiceSpec[] {
  const hypervisorPort = options.basePort;
  const hypervisorUrl = `ws://${LOOPBACK}:${hypervisorPort}/hypercall`;
  return Array.from({ length: options.guests }, (_, i) => {
    const name = `guest-${i + 1}`;
    const port = hypervisorPort + GUEST_PORT_OFFSET + i;
    // A guest gets only the cluster token: it must not be able to claim domid 0.
    return spec(
      name,
      "guest",
      port,
      buildEnv(DOMU_ENV, {
        HOST: LOOPBACK,
        PORT: port,
        XEN_HYPERVISOR_URL: hypervisorUrl,
        XEN_CLUSTER_TOKEN: tokens.cluster,
        XEN_DOMAIN_NAME: name,
        XENFS_MODE: options.mode,
        XENFS_WORKLOAD: "demo",
        LOG_LEVEL: options.logLevel,
      }),
    );
  });
}

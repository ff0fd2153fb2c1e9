// Which processes make up a host and the environment each one gets (docs/design.md#processes). Pure: the same
// options and tokens always give the same plan, so it is checked without starting anything.
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
}

/** Where the host keeps things on disk. */
export interface HostPaths {
  /** The directory dom0 exports. */
  readonly exportDir: string;
  /** The hypervisor's xenstored-compatible unix socket, for Xen's own xenstore-* tools. */
  readonly xenstoredPath: string;
}

export type PlanOptions = Pick<
  LaunchOptions,
  "guests" | "mode" | "memoryMb" | "cacheMb" | "basePort" | "logLevel"
>;

export function planHost(options: PlanOptions, paths: HostPaths, tokens: HostTokens): HostPlan {
  const hypervisorPort = options.basePort;
  const shared = {
    HOST: LOOPBACK,
    XEN_HYPERVISOR_URL: `ws://${LOOPBACK}:${hypervisorPort}/hypercall`,
    XEN_MEMORY_MB: String(options.memoryMb),
    LOG_LEVEL: options.logLevel,
  };
  const spec = (name: string, role: Role, port: number, env: Record<string, string>): ServiceSpec => ({
    name,
    role,
    port,
    env: { ...shared, ...env, PORT: String(port) },
  });
  return {
    hypervisor: spec("hypervisor", "hypervisor", hypervisorPort, {
      XEN_CLUSTER_TOKEN: tokens.cluster,
      XEN_DOM0_TOKEN: tokens.dom0,
      XENSTORED_PATH: paths.xenstoredPath,
    }),
    dom0: spec("dom0", "dom0", hypervisorPort + 1, {
      XEN_CLUSTER_TOKEN: tokens.cluster,
      XEN_DOM0_TOKEN: tokens.dom0,
      XENFS_EXPORT: paths.exportDir,
      XENFS_CACHE_MB: String(options.cacheMb),
    }),
    guests: Array.from({ length: options.guests }, (_, i) =>
      // A guest gets only the cluster token: it must not be able to claim domid 0.
      spec(`guest-${i + 1}`, "guest", hypervisorPort + GUEST_PORT_OFFSET + i, {
        XEN_CLUSTER_TOKEN: tokens.cluster,
        XEN_DOMAIN_NAME: `guest-${i + 1}`,
        XENFS_MODE: options.mode,
        XENFS_WORKLOAD: "demo",
      }),
    ),
  };
}

// The hypervisor's environment: every variable it reads, with its default, range and purpose.
// main.ts reads it; the launcher, bench and tests write it (buildEnv) to start a hypervisor.
import { parseHypervisorFaults } from "@xenfs/proto";
import {
  type ConfigProblem,
  checked,
  DEFAULT_LOG_LEVEL,
  directoryProblems,
  durationMs,
  envSpec,
  int,
  LOG_LEVELS,
  oneOf,
  port,
  str,
} from "@xenfs/service-kit";
import { defaultMemoryDir } from "./memory/memory-file.js";
import { DEFAULT_SESSION_LIMITS } from "./session/limits.js";

export const MAX_MEMORY_MB = 4096;

export const HYPERVISOR_ENV = envSpec(
  {
    PORT: port({ default: 7000, doc: "Hypercall endpoint, HTTP API and dashboard; 0 = ephemeral" }),
    HOST: str({ default: "127.0.0.1", doc: "Address to listen on" }),
    XEN_HOST_NAME: str({
      optional: true,
      doc: "This host's name in xl list and on the dashboard (docs/migration.md#hosts); default <hostname>:<port>",
    }),
    XEN_MEMORY_MB: int({ min: 1, max: MAX_MEMORY_MB, default: 256, doc: "Machine memory in MiB" }),
    XEN_MEMORY_DIR: str({
      default: defaultMemoryDir(),
      doc: "Where the machine-memory file lives (memory-backed): /dev/shm, else the OS temporary directory",
    }),
    XEN_CLUSTER_TOKEN: str({ secret: true, doc: "The token guests join with" }),
    XEN_DOM0_TOKEN: str({ secret: true, doc: "The token dom0 joins with; must differ from the cluster's" }),
    XEN_SESSION_LEASE_MS: durationMs({
      min: 1,
      default: 10_000,
      doc: "How long a domain whose connection dropped is kept for it to resume",
    }),
    XEN_FAULTS: checked(parseHypervisorFaults, {
      default: "",
      doc: "Faults on domains' frames, event channels, processes and links (docs/faults.md)",
    }),
    XEN_HYPERCALL_RATE: int({
      min: 0,
      max: 100_000_000,
      default: DEFAULT_SESSION_LIMITS.ratePerSec,
      doc: "Sustained hypercalls per second a guest may make (0 = unlimited)",
    }),
    XEN_HYPERCALL_BURST: int({
      min: 1,
      max: 100_000_000,
      default: DEFAULT_SESSION_LIMITS.burst,
      doc: "Hypercalls a guest may make at once above the rate",
    }),
    XEN_HEARTBEAT_MS: durationMs({
      min: 0,
      default: DEFAULT_SESSION_LIMITS.heartbeatMs,
      doc: "WebSocket ping interval that notices a frozen peer (0 = none)",
    }),
    XEN_MEM_SHARING_MS: durationMs({
      min: 0,
      default: 0,
      doc: "Period of the identical-page sharing scan over every guest (0 = only on xl mem-share)",
    }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: DEFAULT_LOG_LEVEL }),
    XENSTORED_PATH: str({
      optional: true,
      doc: "A xenstored-compatible unix socket for Xen's xenstore-* tools; none when unset",
    }),
  },
  (env): ConfigProblem[] => [
    ...directoryProblems("XEN_MEMORY_DIR", env.XEN_MEMORY_DIR, { writable: true }),
    ...(env.XEN_CLUSTER_TOKEN === env.XEN_DOM0_TOKEN
      ? [{ key: "XEN_DOM0_TOKEN", reason: "must differ from XEN_CLUSTER_TOKEN" }]
      : []),
  ],
);

// dom0-server's environment: every variable it reads, with its default, range and purpose. main.ts
// reads it; the launcher, bench and tests write it (buildEnv) to start a dom0.
import { MEMORY_TRANSPORTS } from "@xenfs/libxen";
import { parseOwnFaults } from "@xenfs/proto";
import {
  checked,
  DEFAULT_LOG_LEVEL,
  directoryProblems,
  envSpec,
  int,
  LOG_LEVELS,
  oneOf,
  port,
  str,
  url,
} from "@xenfs/service-kit";

export const MAX_CACHE_MB = 4096;

export const DOM0_ENV = envSpec(
  {
    PORT: port({ default: 7001, doc: "HTTP port (health, metrics, /api/cache); 0 = ephemeral" }),
    HOST: str({ default: "127.0.0.1", doc: "HTTP address" }),
    XEN_HYPERVISOR_URL: url({
      default: "ws://127.0.0.1:7000/hypercall",
      protocols: ["ws", "wss"],
      doc: "The hypervisor's hypercall endpoint",
    }),
    XEN_DOM0_TOKEN: str({ secret: true, doc: "The token that makes a domain dom0" }),
    XENFS_EXPORT: str({ doc: "The directory dom0 exports (an existing one)" }),
    XENFS_STATE_DIR: str({
      default: "",
      doc: "Where the reply-cache journal lives; empty: beside the export (never inside it)",
    }),
    XENFS_CACHE_MB: int({ min: 1, max: MAX_CACHE_MB, default: 64, doc: "The page-cache budget in MiB" }),
    XENFS_VBD_IMAGE: str({
      default: "",
      doc: "A raw disk image served to every guest as vbd/0 (docs/blkif.md); empty: no vbd",
    }),
    XENFS_VBD_MODE: oneOf(["r", "w"], {
      default: "r",
      doc: "r: the image is read-only and attaches to any number of guests; w: writable, to one",
    }),
    XEN_FAULTS: checked(parseOwnFaults, {
      default: "",
      doc: "Faults on dom0 itself: crash rules its process applies, the rest on its session (docs/faults.md)",
    }),
    XEN_MEMORY_TRANSPORT: oneOf(MEMORY_TRANSPORTS, {
      default: "shm",
      doc: "How dom0 reaches machine memory: in place in the host's memory file, or over the socket",
    }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: DEFAULT_LOG_LEVEL }),
  },
  (env) => directoryProblems("XENFS_EXPORT", env.XENFS_EXPORT),
);

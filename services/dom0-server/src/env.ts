// dom0-server's environment: every variable it reads, with its default, range and purpose. main.ts
// reads it; the launcher, bench and tests write it (buildEnv) to start a dom0.
import { DOMAIN_ENV } from "@xenfs/libxen";
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
} from "@xenfs/service-kit";
import { parseDiskFaults } from "./export/disk-fault-spec.js";

export const MAX_CACHE_MB = 4096;

export const DOM0_ENV = envSpec(
  {
    PORT: port({ default: 7001, doc: "HTTP port (health, metrics, /api/cache); 0 = ephemeral" }),
    HOST: str({ default: "127.0.0.1", doc: "HTTP address" }),
    XEN_DOM0_TOKEN: str({ secret: true, doc: "The token that makes a domain dom0" }),
    XENFS_EXPORT: str({ doc: "The directory dom0 exports (an existing one)" }),
    XENFS_STATE_DIR: str({
      default: "",
      doc: "Where the reply-cache journal lives; empty: beside the export (never inside it)",
    }),
    XENFS_OVERLAY_DIR: str({
      default: "",
      doc: "cow mode: where each guest's changes live (<dir>/<guest name>); empty: overlays/ in the state dir",
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
    XENFS_DISK_FAULTS: checked(parseDiskFaults, {
      default: "",
      doc: "Disk faults under the export (eio, enospc_after, slow_fsync, torn_write; docs/faults.md); PUT /api/faults/disk changes them",
    }),
    ...DOMAIN_ENV,
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: DEFAULT_LOG_LEVEL }),
  },
  (env) => directoryProblems("XENFS_EXPORT", env.XENFS_EXPORT),
);

// The guest's environment: every variable it reads, with its default, range and purpose. main.ts
// reads it; the launcher, bench and tests write it (buildEnv) to start a guest.
import { DOMAIN_ENV } from "@xenfs/libxen";
import {
  bool,
  DEFAULT_LOG_LEVEL,
  durationMs,
  envSpec,
  int,
  LOG_LEVELS,
  oneOf,
  port,
  str,
} from "@xenfs/service-kit";
import { XENFS_MODES } from "./frontend/modes.js";
import { WORKLOADS } from "./workload/names.js";

/** What XENFS_MODE accepts: the XenFS device's modes and `block` (the vbd's filesystem). */
export const GUEST_MODES = XENFS_MODES;

export const DOMU_ENV = envSpec({
  PORT: port({ default: 7100, doc: "HTTP port (health, metrics, /api, /fs); 0 = ephemeral" }),
  HOST: str({ default: "127.0.0.1", doc: "HTTP address" }),
  XEN_CLUSTER_TOKEN: str({ secret: true, doc: "The token that lets a domain join as a guest" }),
  XEN_DOMAIN_NAME: str({ optional: true, doc: "The domain's name; the hostname when unset" }),
  XENFS_MODE: oneOf(GUEST_MODES, {
    default: "shared",
    doc: "How the guest reaches file data: dom0's pages mapped (shared), copied into its own (copy), shared with its own overlay of changes (cow), or an ext4 image on its vbd read through its own disk cache (block)",
  }),
  XENFS_VBD_DEVID: int({
    min: 0,
    max: 255,
    default: 0,
    doc: "block mode: the vbd to mount (device/vbd/<devid>; dom0 serves its XENFS_VBD_IMAGE as 0)",
  }),
  XENFS_BLOCK_MOUNT: oneOf(["ro", "rw"], {
    default: "ro",
    doc: "block mode: ro refuses every change (EROFS); rw writes through to a writable image (dom0's XENFS_VBD_MODE=w, one guest at a time)",
  }),
  XENFS_PAGE_FLIP: bool({
    default: false,
    doc: "XENFS_MODE=copy only: receive read pages and send whole-page writes by page flipping (GNTTABOP_transfer) when dom0 offers feature-page-flip",
  }),
  XENFS_WORKLOAD: oneOf(WORKLOADS, { default: "none", doc: "What the guest does by itself" }),
  XENFS_CONNECT_TIMEOUT_MS: durationMs({
    min: 0,
    default: 0,
    doc: "0: wait for dom0's backend as long as it takes (logging how long); more: give up after that",
  }),
  XENFS_REQUEST_TIMEOUT_MS: durationMs({
    min: 1,
    default: 15_000,
    doc: "How long one request may wait for its answer, a backend restart included",
  }),
  ...DOMAIN_ENV,
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: DEFAULT_LOG_LEVEL }),
});

// The guest's environment: every variable it reads, with its default, range and purpose. main.ts
// reads it; the launcher, bench and tests write it (buildEnv) to start a guest.
import { DOMAIN_ENV } from "@xenfs/libxen";
import {
  bool,
  DEFAULT_LOG_LEVEL,
  durationMs,
  envSpec,
  LOG_LEVELS,
  oneOf,
  parsed,
  port,
  str,
} from "@xenfs/service-kit";
import { BUILT_MODES, XENFS_MODES, type XenfsMode } from "./frontend/modes.js";
import { WORKLOADS } from "./workload/names.js";

function builtMode(raw: string): XenfsMode {
  if ((BUILT_MODES as readonly string[]).includes(raw)) return raw as XenfsMode;
  if ((XENFS_MODES as readonly string[]).includes(raw)) {
    throw new Error(`${raw} is not built yet (use ${BUILT_MODES.join(" or ")})`);
  }
  throw new Error(`must be one of ${XENFS_MODES.join(", ")}`);
}

/** What XENFS_MODE accepts. */
export { BUILT_MODES };

export const DOMU_ENV = envSpec({
  PORT: port({ default: 7100, doc: "HTTP port (health, metrics, /api, /fs); 0 = ephemeral" }),
  HOST: str({ default: "127.0.0.1", doc: "HTTP address" }),
  XEN_CLUSTER_TOKEN: str({ secret: true, doc: "The token that lets a domain join as a guest" }),
  XEN_DOMAIN_NAME: str({ optional: true, doc: "The domain's name; the hostname when unset" }),
  XENFS_MODE: parsed<XenfsMode>(`one of ${BUILT_MODES.join(", ")}`, builtMode, {
    default: "shared",
    doc: "How the guest reaches file data: dom0's pages mapped (shared), copied into its own (copy), or shared with its own overlay of changes (cow)",
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

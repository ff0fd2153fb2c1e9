import type { XsdError } from "@xenfs/proto";
import { XsError } from "./errors.js";
import { isPrivileged, type XsCaller } from "./permissions.js";
import type { XsNode } from "./tree.js";

/** Per-domain limits; dom0 is exempt, as xenstored exempts the privileged domain. */
export interface XsQuotas {
  /** Nodes a domain may own (xenstored `nodes`). */
  readonly nodes: number;
  /** Watches a domain may hold (`watches`). */
  readonly watches: number;
  /** Transactions a domain may have open (`transactions`). */
  readonly transactions: number;
  /** Bytes of one node: header, perms, value and child names (`node-size`). */
  readonly nodeSize: number;
  /** Entries in one permission list (`node-permissions`). */
  readonly permissions: number;
  /** Watch events queued for one connection and not yet delivered; beyond it they are dropped. */
  readonly pendingWatchEvents: number;
}

/** xenstored's defaults (tools/xenstored/domain.c); oxenstored's maxwatchevents for the queue. */
export const DEFAULT_XS_QUOTAS = {
  nodes: 1000,
  watches: 128,
  transactions: 10,
  nodeSize: 2048,
  permissions: 5,
  pendingWatchEvents: 1024,
} as const satisfies XsQuotas;

type ErroringQuota = Exclude<keyof XsQuotas, "pendingWatchEvents">;

/** The errno xenstored answers with when each quota is hit. */
export const QUOTA_ERRNO = {
  nodes: "ENOSPC",
  watches: "E2BIG",
  transactions: "ENOSPC",
  nodeSize: "ENOSPC",
  permissions: "ENOSPC",
} as const satisfies Record<ErroringQuota, XsdError>;

/** Throw the quota's errno when an unprivileged caller would go past it. */
export function enforceQuota(
  quotas: XsQuotas,
  caller: XsCaller,
  which: ErroringQuota,
  wouldBe: number,
): void {
  if (isPrivileged(caller) || wouldBe <= quotas[which]) return;
  throw new XsError(QUOTA_ERRNO[which], `domain ${caller.domid} over its ${which} quota (${quotas[which]})`);
}

// calc_node_acc_size(): struct node_hdr, 8 bytes per struct xs_permissions, value, child names.
const NODE_HDR_SIZE = 16;
const PERM_SIZE = 8;

export function nodeSize(node: XsNode): number {
  let children = 0;
  for (const name of node.children.keys()) children += name.length + 1;
  return NODE_HDR_SIZE + node.perms.length * PERM_SIZE + node.value.length + children;
}

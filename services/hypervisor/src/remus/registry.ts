// The Remus pairs this hypervisor is part of: domains it protects (primary) and the checkpoints
// it keeps for another host (backup), per hypervisor instance (tests run several in a process).
import type { Xen } from "../xen.js";
import type { RemusBackup } from "./backup.js";
import type { RemusPrimary } from "./primary.js";

export interface RemusHost {
  /** By the protected domain's domid. */
  readonly primaries: Map<number, RemusPrimary>;
  /** By the id the backup gave the pair. */
  readonly backups: Map<string, RemusBackup>;
}

const hosts = new WeakMap<Xen, RemusHost>();

export function remusOf(xen: Xen): RemusHost {
  let host = hosts.get(xen);
  if (!host) {
    host = { primaries: new Map(), backups: new Map() };
    hosts.set(xen, host);
  }
  return host;
}

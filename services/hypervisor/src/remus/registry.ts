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

/**
 * The hypervisor stops: its primaries fall silent (no END: to the backup this host is gone, and
 * it takes over after the heartbeat, as after a crash) and its backups stop watching.
 */
export function closeRemus(xen: Xen): void {
  const host = hosts.get(xen);
  if (!host) return;
  for (const primary of host.primaries.values()) primary.halt();
  for (const backup of host.backups.values()) backup.close();
}

/** Ended pairs kept, of each role, for GET /api/remus (as /api/migrations keeps its last 16). */
const FINISHED_KEPT = 16;

/** Forgets the oldest ended pairs beyond FINISHED_KEPT of each role; live ones stay. */
export function pruneRemus(host: RemusHost): void {
  pruneEnded(host.primaries, (primary) => primary.active);
  pruneEnded(host.backups, (backup) => backup.state === "receiving");
}

/** Deletes the oldest (first inserted) ended pairs beyond FINISHED_KEPT. */
export function pruneEnded<K, V>(pairs: Map<K, V>, live: (pair: V) => boolean): void {
  const ended = [...pairs].filter(([, pair]) => !live(pair));
  for (const [key] of ended.slice(0, Math.max(0, ended.length - FINISHED_KEPT))) pairs.delete(key);
}

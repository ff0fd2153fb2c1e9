// The invariants, checked over the history and the final state (docs/chaos.md#invariants):
// every acknowledged write present with its bytes (lost), reads never older than an acknowledged
// write they followed (stale), no incomplete or foreign bytes outside a write in flight (torn,
// corrupt), no bytes of a write refused with EIO or ENOSPC nor of a refused rename (phantom),
// nothing past its deadline (hung).
// A rename is atomic: a read of a key only ever renamed sees one whole version (or, before the
// first rename, nothing); a write replaces in place, so reads during it may see part of it.
import { classify, pageVersions, type Seen } from "./content.js";
import type { Operation } from "./history.js";

export interface Violation {
  readonly kind: "lost" | "stale" | "torn" | "corrupt" | "phantom" | "hung" | "unsettled" | "leak";
  readonly detail: string;
}

/** Errnos that say a write did not happen (dom0 refused it before or instead of the disk). */
const REFUSING = new Set(["EIO", "ENOSPC"]);

function seenText(seen: Seen | undefined): string {
  if (seen === undefined) return "nothing";
  return "version" in seen && seen.version !== undefined ? `${seen.state} v${seen.version}` : seen.state;
}

/** Reads against the writes of their key. */
export function checkReads(ops: readonly Operation[], fileBytes: number): Violation[] {
  const violations: Violation[] = [];
  const writesByKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.kind === "read") continue;
    const list = writesByKey.get(op.key) ?? [];
    list.push(op);
    writesByKey.set(op.key, list);
  }
  // Per key, indexes that answer each read's questions in log time: a long run has over a
  // hundred thousand operations, and scanning the key's writes for every read took minutes.
  const indexes = new Map<string, KeyIndex>();
  for (const [key, writes] of writesByKey) indexes.set(key, indexKey(writes));
  for (const read of ops) {
    if (read.kind !== "read" || read.outcome !== "ok" || read.seen === undefined) continue;
    const writes = writesByKey.get(read.key) ?? [];
    const index = indexes.get(read.key) ?? indexKey([]);
    const at = `${read.actor} read ${read.key} at ${read.start}–${read.end}ms on guest-${read.guest}`;
    const vAck = index.ackedBefore(read.start);
    // Only in-place writes make a window in which a read may see part of a version.
    const overlapping = index.inPlaceEndAmongStartedBefore(read.end) > read.start;
    const last = index.lastStartedBefore(read.start);
    const unsettled = last !== undefined && last.kind === "write" && last.outcome !== "ok";
    const seen = read.seen;
    if (seen.state === "corrupt") {
      // During a replace (or while one is in doubt) pages of the old and new versions may mix;
      // each page must still be a version no older than the last acknowledged one. Never zeros:
      // no version has a page of them, and a truncate's zeros lie past the end of file, where a
      // read stops (docs/chaos.md#bugs-found).
      const versions = writes.filter((w) => w.start < read.end).map((w) => w.version ?? 0);
      const pages = pageVersions(read.key, seen.bytes, fileBytes, versions);
      const mixed = (overlapping || unsettled) && pages.every((v) => v !== undefined && v !== 0 && v >= vAck);
      if (!mixed) {
        const map = pages.map((v) => (v === undefined ? "?" : `v${v}`)).join(",");
        const writing = overlapping
          ? "a write in flight"
          : unsettled
            ? "a write in doubt"
            : writes.some((w) => w.kind === "rename")
              ? "renames are atomic"
              : "no write in flight";
        violations.push({
          kind: "corrupt",
          detail: `${at}: pages [${map}] (v0 = zeros), ${writing}, v${vAck} acknowledged`,
        });
      }
    } else if (seen.state === "complete") {
      if (seen.version < vAck)
        violations.push({
          kind: "stale",
          detail: `${at}: saw v${seen.version}, v${vAck} was acknowledged before`,
        });
      const source = index.byVersion.get(seen.version);
      // A rename has no bytes in flight: refused with any errno, it must not have happened.
      if (
        source?.outcome === "refused" &&
        (REFUSING.has(source.errno ?? "") || source.kind === "rename") &&
        source.end < read.start &&
        !overlapping
      )
        violations.push({
          kind: "phantom",
          detail: `${at}: saw v${seen.version}, whose ${source.kind} was refused with ${source.errno}`,
        });
    } else if (!overlapping && !unsettled && vAck > 0) {
      violations.push({
        kind: "torn",
        detail: `${at}: saw ${seenText(seen)} with v${vAck} acknowledged and no write in flight${
          writes.some((w) => w.kind === "rename") ? " (renames are atomic)" : ""
        }`,
      });
    }
  }
  return violations;
}

/** Every operation that outlived its deadline. */
export function checkHangs(ops: readonly Operation[]): Violation[] {
  return ops
    .filter((op) => op.outcome === "hung")
    .map((op) => ({
      kind: "hung" as const,
      detail: `${op.actor} ${op.kind} ${op.key} on guest-${op.guest} from ${op.start}ms: ${op.detail ?? ""}`,
    }));
}

/**
 * The final state of each key, read from the disk and through a guest, against its last
 * acknowledged write (the workload settled every key on one).
 */
export function checkFinal(
  ops: readonly Operation[],
  keys: readonly string[],
  finalBytes: ReadonlyMap<
    string,
    {
      readonly disk: Buffer | undefined;
      /** "hung": the guest did not answer the final read (reported as a hang), or was not asked after one that did not. */
      readonly guest: Seen | undefined | "hung";
    }
  >,
  fileBytes: number,
): Violation[] {
  const violations: Violation[] = [];
  for (const key of keys) {
    const writes = ops.filter((op) => op.kind !== "read" && op.key === key);
    if (writes.length === 0) continue;
    const last = writes[writes.length - 1] as Operation;
    if (last.outcome !== "ok") {
      violations.push({
        kind: "unsettled",
        detail: `${key}: no write of it was acknowledged after the faults ended`,
      });
      continue;
    }
    const final = finalBytes.get(key);
    const disk = classify(key, final?.disk, fileBytes);
    for (const [where, seen] of [
      ["on disk", disk],
      ...(final?.guest === "hung" ? [] : [["through a guest", final?.guest] as const]),
    ] as const) {
      if (seen?.state !== "complete" || seen.version !== last.version)
        violations.push({
          kind: "lost",
          detail: `${key} ${where}: ${seenText(seen)}, but v${last.version} was acknowledged last (at ${last.end}ms)`,
        });
    }
  }
  return violations;
}

interface KeyIndex {
  /** The highest version acknowledged (ok) with its end before `t`; 0 when none. */
  ackedBefore(t: number): number;
  /** The latest end (in flight: Infinity) of in-place writes started before `t`; −Infinity when none. */
  inPlaceEndAmongStartedBefore(t: number): number;
  /** The last write or rename started before `t`. */
  lastStartedBefore(t: number): Operation | undefined;
  /** The first write or rename of each version. */
  readonly byVersion: ReadonlyMap<number, Operation>;
}

function indexKey(writes: readonly Operation[]): KeyIndex {
  const byStart = [...writes].sort((a, b) => a.start - b.start);
  const starts = byStart.map((w) => w.start);
  const inPlaceEnd: number[] = [];
  let maxEnd = Number.NEGATIVE_INFINITY;
  for (const w of byStart) {
    if (w.kind === "write") maxEnd = Math.max(maxEnd, w.end < 0 ? Number.POSITIVE_INFINITY : w.end);
    inPlaceEnd.push(maxEnd);
  }
  const acked = writes.filter((w) => w.outcome === "ok").sort((a, b) => a.end - b.end);
  const ends = acked.map((w) => w.end);
  const ackedMax: number[] = [];
  let maxVersion = 0;
  for (const w of acked) {
    maxVersion = Math.max(maxVersion, w.version ?? 0);
    ackedMax.push(maxVersion);
  }
  const byVersion = new Map<number, Operation>();
  for (const w of writes)
    if (w.version !== undefined && !byVersion.has(w.version)) byVersion.set(w.version, w);
  return {
    ackedBefore: (t) => {
      const n = countBelow(ends, t);
      return n === 0 ? 0 : (ackedMax[n - 1] as number);
    },
    inPlaceEndAmongStartedBefore: (t) => {
      const n = countBelow(starts, t);
      return n === 0 ? Number.NEGATIVE_INFINITY : (inPlaceEnd[n - 1] as number);
    },
    lastStartedBefore: (t) => {
      const n = countBelow(starts, t);
      return n === 0 ? undefined : byStart[n - 1];
    },
    byVersion,
  };
}

/** How many of the ascending `values` are below `t`. */
function countBelow(values: readonly number[], t: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// What the status view shows, read leniently from the services' JSON: a field that is missing
// or of the wrong type becomes undefined (printed as "-"), because the services evolve
// independently of the launcher and a status line must never crash the host.
import type { ServiceStatus } from "./supervisor.js";

export interface DomainRow {
  readonly domid: number | undefined;
  readonly name: string | undefined;
  readonly state: string | undefined;
  readonly frames: number | undefined;
}

export interface MemoryFrames {
  readonly total: number | undefined;
  readonly used: number | undefined;
  readonly shared: number | undefined;
  readonly free: number | undefined;
}

export interface CacheStats {
  readonly frames: number | undefined;
  readonly hits: number | undefined;
  readonly misses: number | undefined;
  readonly evictions: number | undefined;
}

export interface MountStats {
  readonly mode: string | undefined;
  readonly pagesHeld: number | undefined;
  readonly requests: number | undefined;
  readonly bytesRead: number | undefined;
}

export interface GuestStatus {
  readonly name: string;
  readonly port: number;
  readonly mount: MountStats | undefined;
}

/** Everything polled at one instant; `at` is milliseconds since the host started. */
export interface Snapshot {
  /** The launcher's own view of its processes (state, restarts); absent when not supervised. */
  readonly services?: readonly ServiceStatus[];
  readonly at: number;
  readonly domains: readonly DomainRow[] | undefined;
  readonly memory: MemoryFrames | undefined;
  readonly cache: CacheStats | undefined;
  readonly guests: readonly GuestStatus[];
}

/** A JSON object whose named fields are still unchecked. */
type Fields<K extends string> = Readonly<Partial<Record<K, unknown>>>;

function record<K extends string>(value: unknown): Fields<K> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Fields<K>)
    : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Accepts a bare array or `{domains: [...]}`. */
export function parseDomains(json: unknown): DomainRow[] | undefined {
  const list = Array.isArray(json) ? json : record<"domains">(json)?.domains;
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((item: unknown) => {
    const d = record<"domid" | "name" | "state" | "frames">(item);
    return d ? [{ domid: num(d.domid), name: str(d.name), state: str(d.state), frames: num(d.frames) }] : [];
  });
}

/** `{frames: {total, used, shared, free}, domains: [...]}`. */
export function parseMemory(json: unknown): MemoryFrames | undefined {
  const f = record<"total" | "used" | "shared" | "free">(record<"frames">(json)?.frames);
  if (!f) return undefined;
  return { total: num(f.total), used: num(f.used), shared: num(f.shared), free: num(f.free) };
}

export function parseCache(json: unknown): CacheStats | undefined {
  const c = record<"frames" | "hits" | "misses" | "evictions">(json);
  if (!c) return undefined;
  return {
    frames: num(c.frames),
    hits: num(c.hits),
    misses: num(c.misses),
    evictions: num(c.evictions),
  };
}

export function parseMount(json: unknown): MountStats | undefined {
  const m = record<"mode" | "pagesHeld" | "requests" | "bytesRead">(json);
  if (!m) return undefined;
  return {
    mode: str(m.mode),
    pagesHeld: num(m.pagesHeld),
    requests: num(m.requests),
    bytesRead: num(m.bytesRead),
  };
}

/** Bytes per second a guest read between two snapshots; undefined without both readings. */
export function readRate(
  previous: Snapshot | undefined,
  current: Snapshot,
  guest: string,
): number | undefined {
  const before = previous?.guests.find((g) => g.name === guest)?.mount?.bytesRead;
  const now = current.guests.find((g) => g.name === guest)?.mount?.bytesRead;
  if (previous === undefined || before === undefined || now === undefined || current.at <= previous.at) {
    return undefined;
  }
  // A restarted guest starts counting from zero again: that is no negative throughput.
  return Math.max(0, now - before) / ((current.at - previous.at) / 1000);
}

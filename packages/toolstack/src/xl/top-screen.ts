// What `xl top` draws: xentop's layout (a summary, then one row a domain) with this host's
// figures — frames, grants, mappings, ports, and hypercall and event-send rates between two
// samples. Pure: samples in, lines out.
import type { DomainRecord, MemoryRecord, StatsRecord } from "./api.js";
import { stateFlags } from "./list.js";

export interface TopSample {
  /** performance.now() when taken. */
  readonly at: number;
  readonly domains: readonly DomainRecord[];
  readonly memory: MemoryRecord;
  readonly stats: readonly StatsRecord[];
}

const KB_PER_FRAME = 4;

export const TOP_HEADER =
  "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) GRANTS   MAPS  PORTS HCALLS/s  EVTS/s";

const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);

interface Seen {
  readonly domain: DomainRecord;
  readonly stats: StatsRecord | undefined;
}

function row(
  { domain: d, stats }: Seen,
  before: Seen | undefined,
  seconds: number,
  totalFrames: number,
): string {
  const rate = (now = 0, then = now) => (seconds > 0 ? Math.max(0, now - then) / seconds : 0);
  const cpu = d.cpuSeconds ?? 0;
  const cpuPct = before ? 100 * rate(cpu, before.domain.cpuSeconds ?? cpu) : 0;
  const hcalls = before ? rate(stats?.hypercalls, before.stats?.hypercalls) : 0;
  const events = before ? rate(stats?.evtchnSends, before.stats?.evtchnSends) : 0;
  const cols = [
    d.name.slice(0, 10).padStart(10),
    stateFlags(d.state).padStart(6),
    Math.floor(cpu).toString().padStart(10),
    cpuPct.toFixed(1).padStart(6),
    String(d.frames * KB_PER_FRAME).padStart(10),
    pct(d.frames, totalFrames).toFixed(1).padStart(6),
    String(d.maxFrames * KB_PER_FRAME).padStart(10),
    pct(d.maxFrames, totalFrames).toFixed(1).padStart(9),
    String(d.grants).padStart(6),
    String(d.maps).padStart(6),
    String(d.ports).padStart(6),
    hcalls.toFixed(0).padStart(8),
    events.toFixed(0).padStart(7),
  ];
  return cols.join(" ");
}

/** The screen for `now`, with rates against `before` (none on the first screen). */
export function topLines(now: TopSample, before: TopSample | undefined, clock: Date): string[] {
  const { total, used, shared, free } = now.memory.frames;
  const count = (states: string[]) => now.domains.filter((d) => states.includes(d.state)).length;
  const seconds = before ? (now.at - before.at) / 1000 : 0;
  const seen = (sample: TopSample) => {
    const stats = new Map(sample.stats.map((s) => [s.domid, s]));
    return new Map(sample.domains.map((d) => [d.domid, { domain: d, stats: stats.get(d.domid) }]));
  };
  const current = seen(now);
  const previous = before ? seen(before) : new Map<number, Seen>();
  return [
    `xl top - ${clock.toTimeString().slice(0, 8)}`,
    `${now.domains.length} domains: ${count(["running"])} running, ${count(["paused"])} paused, ${count(["dying", "zombie"])} dying`,
    `Mem: ${total * KB_PER_FRAME}k total, ${used * KB_PER_FRAME}k used, ${free * KB_PER_FRAME}k free    Frames: ${total} total, ${used} used, ${shared} shared, ${free} free`,
    TOP_HEADER,
    ...[...current].map(([domid, d]) => row(d, previous.get(domid), seconds, total)),
  ];
}

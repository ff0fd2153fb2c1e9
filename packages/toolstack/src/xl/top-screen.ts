// What `xl top` draws: xentop's layout (a summary, then one row a domain) with this host's
// figures — frames, grants, mappings, ports, and hypercall and event-send rates between two
// samples. Pure: samples in, lines out.
import type { DomainRecord, MemoryRecord } from "./api.js";
import { stateFlags } from "./list.js";

export interface TopSample {
  /** performance.now() when taken. */
  readonly at: number;
  readonly domains: readonly DomainRecord[];
  readonly memory: MemoryRecord;
}

const KB_PER_FRAME = 4;

export const TOP_HEADER =
  "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) GRANTS   MAPS  PORTS HCALLS/s  EVTS/s";

const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);

function row(
  d: DomainRecord,
  before: DomainRecord | undefined,
  seconds: number,
  totalFrames: number,
): string {
  const rate = (now = 0, then = now) => (seconds > 0 ? Math.max(0, now - then) / seconds : 0);
  const cpu = d.cpuSeconds ?? 0;
  const cpuPct = before ? 100 * rate(cpu, before.cpuSeconds ?? cpu) : 0;
  const hcalls = before ? rate(d.hypercalls, before.hypercalls) : 0;
  const events = before ? rate(d.evtchnSends, before.evtchnSends) : 0;
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
  const previous = new Map(before?.domains.map((d) => [d.domid, d]));
  return [
    `xl top - ${clock.toTimeString().slice(0, 8)}`,
    `${now.domains.length} domains: ${count(["running"])} running, ${count(["paused"])} paused, ${count(["dying", "zombie"])} dying`,
    `Mem: ${total * KB_PER_FRAME}k total, ${used * KB_PER_FRAME}k used, ${free * KB_PER_FRAME}k free    Frames: ${total} total, ${used} used, ${shared} shared, ${free} free`,
    TOP_HEADER,
    ...now.domains.map((d) => row(d, previous.get(d.domid), seconds, total)),
  ];
}

// Three renderings of a Snapshot: a table for a terminal, one compact line per tick for a log
// or pipe, and one JSON object per tick for scripts. Throughput needs the previous snapshot.
import { renderColumns } from "./columns.js";
import { readRate, type Snapshot } from "./status-model.js";
import type { ServiceStatus } from "./supervisor.js";
import { bytes, count, MISSING, percent, rate, uptime } from "./units.js";

function totalRate(previous: Snapshot | undefined, current: Snapshot): number | undefined {
  const rates = current.guests.map((g) => readRate(previous, current, g.name));
  const known = rates.filter((r): r is number => r !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

function totalRead(current: Snapshot): number | undefined {
  const known = current.guests.flatMap((g) => (g.mount?.bytesRead === undefined ? [] : [g.mount.bytesRead]));
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

function memorySummary(s: Snapshot): string {
  const m = s.memory;
  return `machine frames ${count(m?.used)} used of ${count(m?.total)}, ${count(m?.shared)} shared, ${count(m?.free)} free`;
}

function cacheSummary(s: Snapshot): string {
  const c = s.cache;
  const lookups = c?.hits === undefined || c.misses === undefined ? undefined : c.hits + c.misses;
  return (
    `page cache ${count(c?.frames)} frames, ${count(c?.hits)} hits, ${count(c?.misses)} misses ` +
    `(${percent(c?.hits, lookups)} hit), ${count(c?.evictions)} evictions`
  );
}

/**
 * What supervision did: a restart under way, services that are down, restarts so far. Empty
 * without supervision; one short line when all is well, so 64 guests do not flood it.
 */
export function supervisionSummary(services: readonly ServiceStatus[] | undefined): string[] {
  if (services === undefined || services.length === 0) return [];
  const events = services.flatMap((s) => {
    if (s.state === "restarting") return [`restarting ${s.name} in ${s.restartInMs ?? 0} ms`];
    if (s.state === "crashed") return [`${s.name} down (${s.lastExit ?? "exited"})`];
    if (s.state === "starting" && s.restarts > 0) return [`${s.name} starting again`];
    return [];
  });
  const restarted = services.filter((s) => s.restarts > 0).map((s) => `${s.name} ${s.restarts}`);
  const running = services.filter((s) => s.state === "running").length;
  return [
    [
      `services ${running} of ${services.length} running`,
      ...events,
      restarted.length === 0 ? "no restarts" : `restarts: ${restarted.join(", ")}`,
    ].join("; "),
  ];
}

export function tableView(current: Snapshot, previous: Snapshot | undefined): string[] {
  const domains = renderColumns(
    [
      { header: "DOMID", align: "right" },
      { header: "NAME", align: "left" },
      { header: "STATE", align: "left" },
      { header: "FRAMES", align: "right" },
    ],
    (current.domains ?? []).map((d) => [
      count(d.domid),
      d.name ?? MISSING,
      d.state ?? MISSING,
      count(d.frames),
    ]),
  );
  const guests = renderColumns(
    [
      { header: "GUEST", align: "left" },
      { header: "PORT", align: "right" },
      { header: "MODE", align: "left" },
      { header: "PAGES", align: "right" },
      { header: "REQUESTS", align: "right" },
      { header: "READ", align: "right" },
      { header: "THROUGHPUT", align: "right" },
    ],
    [
      ...current.guests.map((g) => [
        g.name,
        String(g.port),
        g.mount?.mode ?? MISSING,
        count(g.mount?.pagesHeld),
        count(g.mount?.requests),
        bytes(g.mount?.bytesRead),
        rate(readRate(previous, current, g.name)),
      ]),
      ...(current.guests.length > 1
        ? [["all guests", "", "", "", "", bytes(totalRead(current)), rate(totalRate(previous, current))]]
        : []),
    ],
  );
  return [
    `XenFS host, up ${uptime(current.at)}`,
    memorySummary(current),
    cacheSummary(current),
    ...supervisionSummary(current.services),
    "",
    ...(current.domains === undefined ? ["domains: -"] : domains),
    ...(current.guests.length > 0 ? ["", ...guests] : []),
  ];
}

export function lineView(current: Snapshot, previous: Snapshot | undefined): string {
  const guests = current.guests.map(
    (g) =>
      `${g.name} ${g.mount?.mode ?? MISSING} read ${bytes(g.mount?.bytesRead)} at ${rate(readRate(previous, current, g.name))}`,
  );
  return [
    `[${uptime(current.at)}] domains ${count(current.domains?.length)}`,
    memorySummary(current),
    cacheSummary(current),
    ...supervisionSummary(current.services),
    ...guests,
  ].join(" | ");
}

export function jsonView(current: Snapshot, previous: Snapshot | undefined): string {
  const status = {
    uptimeSeconds: Math.round(current.at / 100) / 10,
    ...(current.services === undefined ? {} : { services: current.services }),
    domains: current.domains,
    memory: current.memory,
    cache: current.cache,
    guests: current.guests.map((g) => ({ ...g, bytesPerSecond: readRate(previous, current, g.name) })),
  };
  // Unknown values stay visible to scripts as null instead of vanishing from the object.
  return JSON.stringify(status, (_key, value: unknown) => value ?? null);
}

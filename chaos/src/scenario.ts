// A chaos scenario (docs/chaos.md): a host shape, a workload, a schedule of faults, a duration and
// a seed, read from JSON or YAML and checked here so a bad scenario fails before anything starts,
// naming the field.
import { parseDiskFaults } from "@xenfs/dom0-server";
import { parseFaults } from "@xenfs/proto";
import { parse as parseYaml } from "yaml";
import { Random } from "./random.js";

/** `dom0` or `guest-<i>` (the i-th guest, from 0). */
export type Target = string;

export type FaultTemplate =
  /**
   * XEN_FAULTS rules on `target`'s domain, set with the fault admin call (xl fault): frames
   * either way, its event channels, a crash of its process, a partition.
   */
  | { readonly kind: "message"; readonly target: Target; readonly spec: string; readonly forMs: number }
  /** XENFS_DISK_FAULTS rules under dom0's export (PUT /api/faults/disk). */
  | { readonly kind: "disk"; readonly spec: string; readonly forMs: number }
  /** SIGKILL of a service, started again after `restartAfterMs`. */
  | { readonly kind: "kill"; readonly target: Target; readonly restartAfterMs: number }
  /**
   * The service's process frozen (SIGSTOP) for `forMs`, then continued (SIGCONT): what
   * `docker compose pause` does to a container. Past the session lease its domain dies.
   */
  | { readonly kind: "freeze"; readonly target: Target; readonly forMs: number }
  /** The domain paused by the hypervisor (`xl pause`) for `forMs`, then unpaused. */
  | { readonly kind: "pause"; readonly target: Target; readonly forMs: number };

export type FaultEvent = FaultTemplate & { readonly atMs: number };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly host: {
    /** local: processes on this machine; compose: the compose cluster (compose-host.ts). */
    readonly kind: "local" | "compose";
    readonly guests: number;
    readonly mode: "shared" | "copy";
    readonly memoryMb: number;
    readonly cacheMb: number;
  };
  readonly workload: {
    /** Writers, each on guest (i mod guests), each owning its keys. */
    readonly writers: number;
    /** Readers, each on guest ((i + 1) mod guests), reading any key. */
    readonly readers: number;
    /**
     * Renamers, each on guest ((i + 2) mod guests), each owning its keys: a new version is written
     * to `<key>.tmp`, then renamed over the key (the atomic replace).
     */
    readonly renamers: number;
    readonly keysPerWriter: number;
    readonly fileBytes: number;
    /** An operation that takes longer than this is a hang. */
    readonly deadlineMs: number;
    /** Pause between one actor's operations. */
    readonly thinkMs: number;
  };
  /** Faults at given times, plus `random.events` more drawn from the seed. */
  readonly schedule: readonly FaultEvent[];
}

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  readonly code = "EINVAL";
}

/** A JSON object, by the fields a scenario has (unknown ones are refused by `only`). */
type Json = Partial<
  Record<
    | "name"
    | "description"
    | "seed"
    | "duration"
    | "host"
    | "workload"
    | "schedule"
    | "random"
    | "kind"
    | "guests"
    | "mode"
    | "memoryMb"
    | "cacheMb"
    | "writers"
    | "readers"
    | "renamers"
    | "keysPerWriter"
    | "fileBytes"
    | "deadline"
    | "think"
    | "target"
    | "spec"
    | "for"
    | "at"
    | "restartAfter"
    | "events"
    | "from",
    unknown
  >
>;

function fail(field: string, why: string): never {
  throw new ScenarioError(`${field}: ${why}`);
}

function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "expected an object");
  return value as Json;
}

function only(value: Json, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!keys.includes(key)) fail(`${field}.${key}`, `unknown field (${keys.join(", ")})`);
}

function integer(value: unknown, field: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
    fail(field, `expected an integer in ${min}…${max}`);
  return value as number;
}

/** A duration: a number of ms, or "200ms", "2s", "1m". */
export function duration(value: unknown, field: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  const m = typeof value === "string" ? /^(\d{1,7})(ms|s|m)$/.exec(value) : null;
  if (!m) fail(field, 'expected a duration (ms as a number, or "200ms", "2s", "1m")');
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[m[2] as "ms" | "s" | "m"];
}

function target(value: unknown, field: string, guests: number): Target {
  if (value === "dom0") return value;
  const m = typeof value === "string" ? /^guest-(\d+)$/.exec(value) : null;
  if (!m || Number(m[1]) >= guests) fail(field, `expected dom0 or guest-0…guest-${guests - 1}`);
  return value as string;
}

function template(value: unknown, field: string, guests: number): FaultTemplate {
  const t = object(value, field);
  switch (t.kind) {
    case "message": {
      only(t, field, ["kind", "target", "spec", "for", "at"]);
      const spec = typeof t.spec === "string" ? t.spec : fail(`${field}.spec`, "expected XEN_FAULTS rules");
      try {
        parseFaults(spec);
      } catch (error) {
        fail(`${field}.spec`, (error as Error).message);
      }
      // A crash rule is the target's own (the fault call scopes it to the target's domain, and
      // its process dies and is started again); one naming a domid could be anyone's.
      if (/crash_(after|at)=[^,]*@/.test(spec))
        fail(`${field}.spec`, "a crash rule here is the target's: no @domid");
      return {
        kind: "message",
        target: target(t.target, `${field}.target`, guests),
        spec,
        forMs: duration(t.for, `${field}.for`),
      };
    }
    case "disk": {
      only(t, field, ["kind", "spec", "for", "at"]);
      const spec =
        typeof t.spec === "string" ? t.spec : fail(`${field}.spec`, "expected XENFS_DISK_FAULTS rules");
      try {
        parseDiskFaults(spec);
      } catch (error) {
        fail(`${field}.spec`, (error as Error).message);
      }
      return { kind: "disk", spec, forMs: duration(t.for, `${field}.for`) };
    }
    case "kill":
      only(t, field, ["kind", "target", "restartAfter", "at"]);
      return {
        kind: "kill",
        target: target(t.target, `${field}.target`, guests),
        restartAfterMs: duration(t.restartAfter, `${field}.restartAfter`, 0),
      };
    case "freeze":
    case "pause":
      only(t, field, ["kind", "target", "for", "at"]);
      return {
        kind: t.kind,
        target: target(t.target, `${field}.target`, guests),
        forMs: duration(t.for, `${field}.for`),
      };
    default:
      return fail(`${field}.kind`, "expected message, disk, kill, freeze or pause");
  }
}

/** Largest scenario file read (a scenario is a page of text). */
const MAX_SCENARIO_CHARS = 256 * 1024;

/**
 * A scenario's text, JSON or YAML (the same fields either way); a syntax error is a ScenarioError.
 * YAML is read to plain data only: no custom tags, aliases capped.
 */
export function parseScenarioText(text: string, format: "json" | "yaml", seed?: number): Scenario {
  if (text.length > MAX_SCENARIO_CHARS) fail("scenario", `over ${MAX_SCENARIO_CHARS} characters`);
  let raw: unknown;
  try {
    raw = format === "json" ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    fail(
      "scenario",
      `not ${format === "json" ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return parseScenario(raw, seed);
}

/** Checks a parsed scenario; `seed` (from the command line) replaces the scenario's. */
export function parseScenario(raw: unknown, seed?: number): Scenario {
  const s = object(raw, "scenario");
  only(s, "scenario", ["name", "description", "seed", "duration", "host", "workload", "schedule", "random"]);
  const name =
    typeof s.name === "string" && /^[\w-]+$/.test(s.name) ? s.name : fail("name", "expected a word");
  const h = object(s.host ?? {}, "host");
  only(h, "host", ["kind", "guests", "mode", "memoryMb", "cacheMb"]);
  const kind = h.kind ?? "local";
  if (kind !== "local" && kind !== "compose")
    fail("host.kind", "local (processes) or compose (the compose cluster)");
  const guests = integer(h.guests, "host.guests", 1, 8, 2);
  if (h.mode !== undefined && h.mode !== "shared" && h.mode !== "copy") fail("host.mode", "shared or copy");
  const w = object(s.workload ?? {}, "workload");
  only(w, "workload", ["writers", "readers", "renamers", "keysPerWriter", "fileBytes", "deadline", "think"]);
  const durationMs = duration(s.duration, "duration");
  if (durationMs < 1000 || durationMs > 3_600_000) fail("duration", "expected 1s…60m");
  const chosenSeed = seed ?? integer(s.seed, "seed", 1, 2 ** 31 - 1, 1);

  const schedule: FaultEvent[] = [];
  const list = s.schedule ?? [];
  if (!Array.isArray(list)) fail("schedule", "expected a list of faults");
  list.forEach((entry, i) => {
    const field = `schedule[${i}]`;
    const atMs = duration(object(entry, field).at, `${field}.at`);
    if (atMs >= durationMs) fail(`${field}.at`, "after the end of the run");
    schedule.push({ ...template(entry, field, guests), atMs });
  });
  if (s.random !== undefined) {
    const r = object(s.random, "random");
    only(r, "random", ["events", "from"]);
    const events = integer(r.events, "random.events", 0, 1000);
    if (!Array.isArray(r.from) || r.from.length === 0) fail("random.from", "expected a list of faults");
    const from = r.from.map((entry, i) => template(entry, `random.from[${i}]`, guests));
    // Drawn in the first 80% of the run, so the last fault has time to end before the checks.
    const random = new Random(chosenSeed).fork(1_000_000);
    for (let i = 0; i < events; i++)
      schedule.push({ ...random.pick(from), atMs: Math.floor(random.next() * durationMs * 0.8) });
  }
  schedule.sort((a, b) => a.atMs - b.atMs);

  return {
    name,
    description: typeof s.description === "string" ? s.description : "",
    seed: chosenSeed,
    durationMs,
    host: {
      kind: kind as "local" | "compose",
      guests,
      mode: (h.mode as "shared" | "copy" | undefined) ?? "shared",
      memoryMb: integer(h.memoryMb, "host.memoryMb", 16, 1024, 64),
      cacheMb: integer(h.cacheMb, "host.cacheMb", 1, 256, 8),
    },
    workload: {
      writers: integer(w.writers, "workload.writers", 1, 64, 2),
      readers: integer(w.readers, "workload.readers", 0, 64, 2),
      renamers: integer(w.renamers, "workload.renamers", 0, 64, 0),
      keysPerWriter: integer(w.keysPerWriter, "workload.keysPerWriter", 1, 1000, 3),
      fileBytes: integer(w.fileBytes, "workload.fileBytes", 64, 16 << 20, 3 * 4096 + 100),
      deadlineMs: duration(w.deadline, "workload.deadline", 60_000),
      thinkMs: duration(w.think, "workload.think", 0),
    },
    schedule,
  };
}

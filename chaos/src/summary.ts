// The summary a run prints: one table of operations and violations, one of the faults with their
// recovery times, then the violations themselves.
import type { Violation } from "./checker.js";
import { type AppliedFault, describeFault } from "./faults.js";
import type { Operation } from "./history.js";
import type { RunResult } from "./run.js";

export interface Totals {
  readonly operations: number;
  readonly acknowledged: number;
  /** Refused operations by errno. */
  readonly refused: Readonly<Record<string, number>>;
  /** Operations with no answer, by errno or why. */
  readonly failed: Readonly<Record<string, number>>;
  readonly opsPerSecond: number;
  /** Reads during a replace that saw pages of two versions (allowed: see checker.ts). */
  readonly mixed: number;
  readonly violations: Readonly<Record<Violation["kind"], number>>;
}

const KINDS: readonly Violation["kind"][] = [
  "lost",
  "stale",
  "torn",
  "corrupt",
  "phantom",
  "hung",
  "unsettled",
  "leak",
];

export function totals(result: RunResult): Totals {
  const refused: Record<string, number> = {};
  const failed: Record<string, number> = {};
  for (const op of result.ops) {
    if (op.outcome === "refused") refused[op.errno ?? "?"] = (refused[op.errno ?? "?"] ?? 0) + 1;
    const why = op.errno ?? op.detail?.split(/[\s:]/)[0] ?? "?";
    if (op.outcome === "failed") failed[why] = (failed[why] ?? 0) + 1;
  }
  const violations = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Violation["kind"], number>;
  for (const v of result.violations) violations[v.kind] += 1;
  const acknowledged = result.ops.filter((op) => op.outcome === "ok").length;
  return {
    operations: result.ops.length,
    acknowledged,
    refused,
    failed,
    mixed:
      result.ops.filter((op) => op.seen?.state === "corrupt").length -
      result.violations.filter((v) => v.kind === "corrupt").length,
    opsPerSecond: perSecond(acknowledged, result.runMs),
    violations,
  };
}

/** From a fault's end to the end of the next acknowledged write (or rename) that began after it. */
export function recoveryMs(fault: AppliedFault, ops: readonly Operation[]): number | undefined {
  if (fault.ended === undefined) return undefined;
  const ended = fault.ended;
  const next = ops
    .filter((op) => op.kind !== "read" && op.outcome === "ok" && op.start >= ended)
    .reduce<number | undefined>(
      (best, op) => (best === undefined || op.end < best ? op.end : best),
      undefined,
    );
  return next === undefined ? undefined : next - ended;
}

/**
 * Acknowledged operations per second while the fault was in force (ended within its window),
 * whatever else was in force with it.
 */
export function opsPerSecondDuring(fault: AppliedFault, ops: readonly Operation[]): number | undefined {
  const { began, ended } = fault;
  if (began === undefined || ended === undefined || ended <= began) return undefined;
  const acked = ops.filter((op) => op.outcome === "ok" && op.end >= began && op.end < ended).length;
  return perSecond(acked, ended - began);
}

/** `count` in `ms` as a rate per second, to one decimal. */
function perSecond(count: number, ms: number): number {
  return Math.round((count / Math.max(1, ms)) * 10_000) / 10;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function summary(result: RunResult): string {
  const t = totals(result);
  const byCode = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([code, n]) => `${code}:${n}`)
      .join(" ") || "0";
  const head = ["scenario", "seed", "ops", "acked", "ops/s", "refused", "failed", "mixed", ...KINDS];
  const row = [
    result.scenario.name,
    String(result.scenario.seed),
    String(t.operations),
    String(t.acknowledged),
    String(t.opsPerSecond),
    byCode(t.refused),
    byCode(t.failed),
    String(t.mixed),
    ...KINDS.map((k) => String(t.violations[k])),
  ];
  const faultRows = result.faults.map((f) => {
    const recovery = recoveryMs(f, result.ops);
    const during = opsPerSecondDuring(f, result.ops);
    return [
      `${f.event.atMs}ms`,
      describeFault(f.event),
      f.skipped ? `skipped: ${f.skipped}` : `${f.began}–${f.ended}ms`,
      during === undefined ? "-" : String(during),
      recovery === undefined ? "-" : `${recovery}ms`,
      f.outcome ?? "",
    ];
  });
  const parts = [table([head, row])];
  if (result.crashes.length > 0)
    parts.push(`died by themselves and were started again: ${result.crashes.join(", ")}`);
  if (faultRows.length > 0)
    parts.push(table([["at", "fault", "in force", "ops/s", "recovery", "domain"], ...faultRows]));
  const shown = result.violations.slice(0, 20).map((v) => `  ${v.kind}: ${v.detail}`);
  if (result.violations.length > shown.length)
    shown.push(`  … and ${result.violations.length - shown.length} more`);
  parts.push(result.violations.length === 0 ? "no violations" : `VIOLATIONS:\n${shown.join("\n")}`);
  return parts.join("\n\n");
}

/** The whole set at the end of a run of several scenarios: one row each, and the total. */
export function setSummary(results: readonly RunResult[]): string {
  const head = ["scenario", "run", "ops", "acked", "ops/s", "lost", "stale", "hung", "violations"];
  const all = results.map((r) => ({ r, t: totals(r) }));
  const rows = all.map(({ r, t }) => [
    r.scenario.name,
    `${(r.runMs / 1000).toFixed(0)}s`,
    String(t.operations),
    String(t.acknowledged),
    String(t.opsPerSecond),
    String(t.violations.lost),
    String(t.violations.stale),
    String(t.violations.hung),
    String(r.violations.length),
  ]);
  const sum = (f: (r: RunResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const count = (kind: Violation["kind"]) => sum((r) => r.violations.filter((v) => v.kind === kind).length);
  const runMs = sum((r) => r.runMs);
  const acked = all.reduce((n, { t }) => n + t.acknowledged, 0);
  rows.push([
    "total",
    `${(runMs / 60_000).toFixed(1)}min`,
    String(sum((r) => r.ops.length)),
    String(acked),
    String(perSecond(acked, runMs)),
    String(count("lost")),
    String(count("stale")),
    String(count("hung")),
    String(sum((r) => r.violations.length)),
  ]);
  return table([head, ...rows]);
}

import type { Calibration } from "./calibrate.js";
import { formatNumber, formatRatio } from "./format.js";
import type { EvaluatedRow } from "./rows.js";

const COLUMNS = [
  ["name", (r) => r.name],
  ["value", (r) => formatNumber(r.value)],
  ["unit", (r) => r.unit],
  ["min–max", (r) => (r.spread ? `${formatNumber(r.spread.min)}–${formatNumber(r.spread.max)}` : "")],
  ["IQR", (r) => (r.spread ? formatNumber(r.spread.iqr) : "")],
  ["vs calib", (r) => (r.vsCalibration === undefined ? "" : formatRatio(r.vsCalibration))],
  ["vs base", (r) => (r.vsBaseline === undefined ? "" : `${formatRatio(r.vsBaseline)} ${r.baseline}`)],
  ["p50 ms", (r) => (r.latency ? formatNumber(r.latency.p50Ms) : "")],
  ["p99 ms", (r) => (r.latency ? formatNumber(r.latency.p99Ms) : "")],
  ["frames", (r) => (r.frames === undefined ? "" : String(r.frames))],
  ["host MiB", (r) => (r.hostMiB === undefined ? "" : formatNumber(r.hostMiB))],
  ["target", (r) => (r.target ? `${r.target.op} ${formatNumber(r.target.value)}` : "")],
  ["met", (r) => (r.met === undefined ? "" : r.met ? "met" : "NOT MET")],
] as const satisfies readonly (readonly [string, (row: EvaluatedRow) => string])[];

// Text columns read left-aligned, figures right-aligned.
const LEFT = new Set(["name", "unit", "vs base", "target", "met"]);

/** The suite as an aligned text table, under a line with the calibration it is measured against. */
export function formatTable(suite: string, calibration: Calibration, rows: readonly EvaluatedRow[]): string {
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))];
  const used = COLUMNS.map((_, c) => c === 0 || rows.some((_, r) => cells[r + 1]![c] !== ""));
  const widths = COLUMNS.map((_, c) => Math.max(...cells.map((line) => line[c]!.length)));
  const lines = cells.map((line) =>
    line
      .flatMap((cell, c) => {
        if (!used[c]) return [];
        const [title] = COLUMNS[c]!;
        return [LEFT.has(title) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)];
      })
      .join("  ")
      .trimEnd(),
  );
  const rule = "-".repeat(Math.max(...lines.map((line) => line.length)));
  return [
    `${suite} — calibration: ws round trip p50 ${formatNumber(calibration.wsRoundTrip.p50Ms)} ms,` +
      ` p99 ${formatNumber(calibration.wsRoundTrip.p99Ms)} ms; ws one-way ${formatNumber(calibration.wsThroughput.mbPerSec)} MB/s;` +
      ` memcpy 4 KiB ${formatNumber(calibration.memcpy4k.mbPerSec)} MB/s`,
    lines[0]!,
    rule,
    ...lines.slice(1),
  ].join("\n");
}

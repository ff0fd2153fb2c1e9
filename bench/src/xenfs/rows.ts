// The suite's rows: each figure beside its calibration and its baseline — the HTTP server for
// what a user would otherwise do over the network, copy mode for what sharing saves — with the
// issue's targets.
import { type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { BenchExport } from "./bench-export.js";
import type { ServerKind, SuiteFigures } from "./figures.js";
import { manyRowName } from "./many-readers.js";
import { PAGE_BYTES } from "./pages.js";
import { rowNames } from "./single-reader.js";

const KINDS = ["shared", "copy", "http"] as const satisfies readonly ServerKind[];

/** Targets (issue 4). */
export const TARGETS = {
  /** Shared-mode frames for N readers ≤ 1.05 × the file's pages + 64 × N. */
  sharedFrames: (filePages: number, readers: number) => 1.05 * filePages + 64 * readers,
  /** Cached re-read ≥ 20 × copy mode's. */
  cachedVsCopy: 20,
  /** Cold sequential read ≥ 0.5 × the HTTP server's. */
  coldVsHttp: 0.5,
};

/** The frames field of a row, when the server has machine frames to count. */
const framesOf = (frames: number | undefined) => (frames === undefined ? {} : { frames });

function valueOfRow(rows: readonly ResultRow[], name: string): number {
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`no row ${name}`);
  return row.value;
}

function singleRows(figures: SuiteFigures, files: BenchExport): ResultRow[] {
  const http = rowNames(files, "http");
  const copy = rowNames(files, "copy");
  return KINDS.flatMap((kind) => {
    const { cold, random, cached, frames } = figures.single[kind];
    // A row is not its own baseline.
    const versus = (baseline: string) => (baseline.endsWith(`, ${kind}`) ? {} : { baseline });
    return [
      rowOf(cold, "mbPerSec", {
        calibration: "wsThroughput",
        ...versus(http.cold),
        ...framesOf(frames.cold),
      }),
      rowOf(random, "opsPerSec", { ...versus(http.random), ...framesOf(frames.random) }),
      rowOf(random, "p50Ms", {
        name: `${random.name} p50`,
        calibration: "wsRoundTrip",
        ...framesOf(frames.random),
      }),
      rowOf(cached, "mbPerSec", {
        calibration: "memcpy4k",
        ...versus(copy.cached),
        ...framesOf(frames.cached),
      }),
    ];
  });
}

function manyRows(figures: SuiteFigures): ResultRow[] {
  const throughput = KINDS.flatMap((kind) =>
    figures.many[kind].map((figure) => {
      const http = figures.many.http.find((h) => h.readers === figure.readers);
      return rowOf(figure.throughput, "mbPerSec", {
        calibration: "wsThroughput",
        ...(kind === "http" || !http ? {} : { baseline: manyRowName(http.readers, http.file, "http") }),
        ...framesOf(figure.frames),
      });
    }),
  );
  const frames = (["shared", "copy"] as const).flatMap((mode) =>
    figures.many[mode].map(
      (figure): ResultRow => ({
        name: `frames in use, ${manyRowName(figure.readers, figure.file, mode)}`,
        value: figure.frames ?? Number.NaN,
        unit: "frames",
        ...(mode === "shared"
          ? {
              target: {
                op: "<=",
                value: TARGETS.sharedFrames(figure.file.bytes / PAGE_BYTES, figure.readers),
              },
            }
          : {}),
      }),
    ),
  );
  return [...throughput, ...frames];
}

/** Sets the targets that are ratios to other rows of the suite. */
function withRatioTargets(rows: ResultRow[], files: BenchExport): ResultRow[] {
  const shared = rowNames(files, "shared");
  const targets = new Map([
    [shared.cold, TARGETS.coldVsHttp * valueOfRow(rows, rowNames(files, "http").cold)],
    [shared.cached, TARGETS.cachedVsCopy * valueOfRow(rows, rowNames(files, "copy").cached)],
  ]);
  return rows.map((row) => {
    const value = targets.get(row.name);
    return value === undefined ? row : { ...row, target: { op: ">=", value } };
  });
}

export function suiteRows(figures: SuiteFigures, files: BenchExport): ResultRow[] {
  return withRatioTargets([...singleRows(figures, files), ...manyRows(figures)], files);
}

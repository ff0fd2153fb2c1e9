// The suite's rows: each figure beside its calibration and its baseline — the HTTP server for
// what a user would otherwise do over the network, copy mode for what sharing saves — under each
// memory transport, with the host memory N readers cost and the targets.
import type { ResultRow } from "@xenfs/bench-kit";
import { rowOf } from "@xenfs/bench-kit";
import type { BenchExport } from "./bench-export.js";
import { HTTP, type SuiteFigures } from "./figures.js";
import type { HostMemorySample } from "./host-memory.js";
import { type ManyReadersFigure, manyRowName } from "./many-readers.js";
import { PAGE_BYTES } from "./pages.js";
import { rowNames } from "./single-reader.js";
import { TRANSPORTS, type Transport, VARIANTS, variant } from "./transport.js";

const MiB = 1024 * 1024;

/** Targets: issue 4's, and for the shm transport in shared mode, the shared-memory issue's. */
export const TARGETS = {
  /** Shared-mode frames for N readers ≤ 1.05 × the file's pages + 64 × N. */
  sharedFrames: (filePages: number, readers: number) => 1.05 * filePages + 64 * readers,
  /** Shared mode's cached re-read ≥ 20 × copy mode's (same transport). */
  cachedVsCopy: 20,
  /** Shared mode's cold sequential read ≥ this × the HTTP server's. */
  coldVsHttp: { shm: 1.0, socket: 0.5 } satisfies Record<Transport, number>,
  /** shm shared: cached re-read ≥ 2 × HTTP's cached re-read. */
  cachedVsHttp: 2,
  /** shm shared: 8 readers of one file, aggregate ≥ 1 × HTTP's 8 readers. */
  manyVsHttp: { readers: 8, ratio: 1.0 },
  /** shm shared: host memory growth for 8 readers of one file ≤ 1.25 × the file. */
  hostGrowth: { readers: 8, files: 1.25 },
};

const LABELS = [...VARIANTS.map((v) => v.label), HTTP];

/** The frames field of a row, when the server has machine frames to count. */
const framesOf = (frames: number | undefined) => (frames === undefined ? {} : { frames });

function valueOfRow(rows: readonly ResultRow[], name: string): number {
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`no row ${name}`);
  return row.value;
}

function get<T>(map: ReadonlyMap<string, T>, label: string): T {
  const value = map.get(label);
  if (value === undefined) throw new Error(`no figures for ${label}`);
  return value;
}

function singleRows(figures: SuiteFigures, files: BenchExport): ResultRow[] {
  const http = rowNames(files, HTTP);
  return LABELS.flatMap((label) => {
    const { cold, random, cached, frames } = get(figures.single, label);
    const v = VARIANTS.find((x) => x.label === label);
    const vsHttp = (baseline: string) => (label === HTTP ? {} : { baseline });
    // Shared mode's cached re-read is set against copy mode's under the same transport.
    const cachedBaseline =
      v?.mode === "shared" ? { baseline: rowNames(files, variant("copy", v.transport).label).cached } : {};
    return [
      rowOf(cold, "mbPerSec", {
        calibration: "wsThroughput",
        ...vsHttp(http.cold),
        ...framesOf(frames.cold),
      }),
      rowOf(random, "opsPerSec", { ...vsHttp(http.random), ...framesOf(frames.random) }),
      rowOf(random, "p50Ms", {
        name: `${random.name} p50`,
        calibration: "wsRoundTrip",
        ...framesOf(frames.random),
      }),
      rowOf(cached, "mbPerSec", { calibration: "memcpy4k", ...cachedBaseline, ...framesOf(frames.cached) }),
    ];
  });
}

/** "host memory growth, 8 readers of one 64 MiB file, shared, shm" and its kin. */
export const hostMemoryRowName = (
  what: "before" | "after" | "growth",
  figure: ManyReadersFigure,
  label: string,
) => `host memory ${what}, ${manyRowName(figure.readers, figure.file, label)}`;

function hostMemoryRows(figure: ManyReadersFigure, label: string): ResultRow[] {
  if (!figure.memory) return [];
  const { before, after } = figure.memory;
  const mib = (sample: HostMemorySample) => sample.totalBytes / MiB;
  const growthFiles = (after.totalBytes - before.totalBytes) / figure.file.bytes;
  const target =
    label === variant("shared", "shm").label && figure.readers === TARGETS.hostGrowth.readers
      ? { target: { op: "<=" as const, value: TARGETS.hostGrowth.files } }
      : {};
  return [
    { name: hostMemoryRowName("before", figure, label), value: mib(before), unit: "MiB" },
    { name: hostMemoryRowName("after", figure, label), value: mib(after), unit: "MiB" },
    { name: hostMemoryRowName("growth", figure, label), value: growthFiles, unit: "x file", ...target },
  ];
}

function manyRows(figures: SuiteFigures): ResultRow[] {
  const http = get(figures.many, HTTP);
  const throughput = LABELS.flatMap((label) =>
    get(figures.many, label).map((figure) => {
      const base = http.find((h) => h.readers === figure.readers);
      return rowOf(figure.throughput, "mbPerSec", {
        calibration: "wsThroughput",
        ...(label === HTTP || !base ? {} : { baseline: manyRowName(base.readers, base.file, HTTP) }),
        ...framesOf(figure.frames),
      });
    }),
  );
  const perVariant = VARIANTS.flatMap((v) =>
    get(figures.many, v.label).flatMap((figure): ResultRow[] => [
      {
        name: `frames in use, ${manyRowName(figure.readers, figure.file, v.label)}`,
        value: figure.frames ?? Number.NaN,
        unit: "frames",
        ...(v.mode === "shared"
          ? {
              target: {
                op: "<=",
                value: TARGETS.sharedFrames(figure.file.bytes / PAGE_BYTES, figure.readers),
              },
            }
          : {}),
      },
      ...hostMemoryRows(figure, v.label),
    ]),
  );
  return [...throughput, ...perVariant];
}

/** The targets that are ratios to other rows of the suite, and the rows they need. */
function withRatioTargets(rows: ResultRow[], files: BenchExport, figures: SuiteFigures): ResultRow[] {
  const http = rowNames(files, HTTP);
  const targets = new Map<string, number>();
  for (const transport of TRANSPORTS) {
    const shared = rowNames(files, variant("shared", transport).label);
    const copy = rowNames(files, variant("copy", transport).label);
    targets.set(shared.cold, TARGETS.coldVsHttp[transport] * valueOfRow(rows, http.cold));
    targets.set(shared.cached, TARGETS.cachedVsCopy * valueOfRow(rows, copy.cached));
  }
  const shm = variant("shared", "shm").label;
  const { readers, ratio } = TARGETS.manyVsHttp;
  const many = get(figures.many, shm).find((f) => f.readers === readers);
  if (many) {
    const name = manyRowName(readers, many.file, shm);
    targets.set(name, ratio * valueOfRow(rows, manyRowName(readers, many.file, HTTP)));
  }
  const withTargets = rows.map((row) => {
    const value = targets.get(row.name);
    return value === undefined ? row : { ...row, target: { op: ">=" as const, value } };
  });
  // A second target on shm shared's cached re-read: against HTTP's, as a row of its own.
  const cached = rowNames(files, shm).cached;
  const cachedRow = withTargets.find((row) => row.name === cached);
  if (cachedRow) {
    withTargets.push({
      ...cachedRow,
      name: `${cached}, against HTTP`,
      baseline: http.cached,
      target: { op: ">=", value: TARGETS.cachedVsHttp * valueOfRow(rows, http.cached) },
    });
  }
  return withTargets;
}

export function suiteRows(figures: SuiteFigures, files: BenchExport): ResultRow[] {
  return withRatioTargets([...singleRows(figures, files), ...manyRows(figures)], files, figures);
}

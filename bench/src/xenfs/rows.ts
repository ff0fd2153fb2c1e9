// The suite's rows: every measured cell beside its calibration and the HTTP peer of the same run
// (copy mode for shared mode's cached re-read, as before), with the machine frames and the host
// memory it cost, plus the targets — issue 4's, the shared-memory issue's and issue 17's (shared
// mode against block mode and the network peers).
import type { CalibrationRef, ResultRow, Target } from "@xenfs/bench-kit";
import { rowOf } from "@xenfs/bench-kit";
import type { BenchExport } from "./bench-export.js";
import type { Cell } from "./cells.js";
import type { HostMemorySample } from "./host-memory.js";
import { PAGE_BYTES } from "./pages.js";
import { HTTP, setupLabel, type Workload } from "./setups.js";
import { TRANSPORTS, type Transport } from "./transport.js";

const MiB = 1024 * 1024;

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
  manyVsHttp: 1.0,
  /** shm shared: host memory growth for 8 readers of one file ≤ 1.25 × the file. */
  hostGrowthFiles: 1.25,
  /** Issue 17, shm shared against block mode: cold sequential ≥ 1 ×. */
  coldVsBlock: 1.0,
  /** Issue 17: 8 readers' aggregate ≥ 2 × block mode's. */
  manyVsBlock: 2.0,
  /** Issue 17: host memory with 8 readers ≤ 0.25 × block mode's. */
  hostVsBlock: 0.25,
  /** Issue 17: tree walk ≥ 1 × HTTP's. */
  walkVsHttp: 1.0,
  /** The N of the N-readers targets (the largest N of a smoke run). */
  readers: 8,
};

const CALIBRATION: Partial<Record<Workload, CalibrationRef>> = {
  cold: "wsThroughput",
  many: "wsThroughput",
  cached: "memcpy4k",
};

const mib = (sample: HostMemorySample) => sample.totalBytes / MiB;
const SHM_SHARED = setupLabel("shared", "shm");
const BLOCK = setupLabel("block", "shm");

export interface SuiteRows {
  readonly rows: ResultRow[];
  /** Targets that could not be set (a row they need was skipped), and why. */
  readonly unevaluated: string[];
}

class Cells {
  constructor(private readonly cells: readonly Cell[]) {}
  find(workload: Workload, setup: string, readers = 1): Cell | undefined {
    const cell = this.cells.find(
      (c) => c.workload === workload && c.setup === setup && c.readers === readers,
    );
    return cell?.measurement ? cell : undefined;
  }
}

/** The row(s) of one measured cell. */
function cellRows(cell: Cell, cells: Cells, files: BenchExport): ResultRow[] {
  const measurement = cell.measurement;
  if (!measurement) return [];
  const extra = {
    ...(cell.frames === undefined ? {} : { frames: cell.frames }),
    ...(cell.memory === undefined ? {} : { hostMiB: mib(cell.memory.after) }),
  };
  const calibration = CALIBRATION[cell.workload];
  const http = cells.find(cell.workload, HTTP, cell.readers);
  let baseline = cell.setup === HTTP || !http ? undefined : http.name;
  const [mode, transport] = cell.setup.split(", ");
  if (cell.workload === "cached" && mode === "shared" && transport) {
    // Shared mode's cached re-read is set against copy mode's under the same transport.
    const copy = cells.find("cached", setupLabel("copy", transport as Transport));
    baseline = copy?.name;
  }
  const rows = [
    rowOf(measurement, cell.metric, {
      ...(calibration === undefined ? {} : { calibration }),
      ...(baseline === undefined ? {} : { baseline }),
      ...extra,
    }),
  ];
  if (cell.workload === "random") {
    rows.push(
      rowOf(measurement, "p50Ms", { name: `${cell.name} p50`, calibration: "wsRoundTrip", ...extra }),
    );
  }
  if (cell.workload === "many" && cell.memory?.before) {
    const { before, after } = cell.memory;
    if (cell.frames !== undefined) {
      const filePages = files.cold[0].bytes / PAGE_BYTES;
      const target: Target | undefined = cell.setup.startsWith("shared, ")
        ? { op: "<=", value: TARGETS.sharedFrames(filePages, cell.readers) }
        : undefined;
      rows.push({
        name: `frames in use, ${cell.name}`,
        value: cell.frames,
        unit: "frames",
        ...(target ? { target } : {}),
      });
    }
    const growthTarget =
      cell.setup === SHM_SHARED && cell.readers === TARGETS.readers
        ? { target: { op: "<=" as const, value: TARGETS.hostGrowthFiles } }
        : {};
    rows.push(
      { name: `host memory before, ${cell.name}`, value: mib(before), unit: "MiB" },
      { name: `host memory after, ${cell.name}`, value: mib(after), unit: "MiB" },
      {
        name: `host memory growth, ${cell.name}`,
        value: (after.totalBytes - before.totalBytes) / files.cold[0].bytes,
        unit: "x file",
        ...growthTarget,
      },
    );
  }
  return rows;
}

export function suiteRows(
  all: readonly Cell[],
  files: BenchExport,
  readerCounts: readonly number[],
): SuiteRows {
  const cells = new Cells(all);
  const rows = all.flatMap((cell) => cellRows(cell, cells, files));
  const unevaluated: string[] = [];
  const byName = new Map(rows.map((row, i) => [row.name, i]));
  /** Sets a target on the row `name`, or adds `${name}, against <peer>` when the row has one already. */
  const target = (
    what: string,
    cell: Cell | undefined,
    peer: Cell | undefined,
    op: Target["op"],
    value: (peer: number) => number,
    peerName: string,
    pick = (c: Cell) => c.name,
  ) => {
    if (!cell || !peer) {
      unevaluated.push(`${what}: ${!cell ? "the shared row" : `the ${peerName} row`} was not measured`);
      return;
    }
    const index = byName.get(pick(cell));
    const peerIndex = byName.get(pick(peer));
    if (index === undefined || peerIndex === undefined) return;
    const row = rows[index];
    const peerRow = rows[peerIndex];
    if (!row || !peerRow) return;
    const goal = { op, value: value(peerRow.value) };
    if (row.target === undefined) {
      rows[index] = {
        ...row,
        target: goal,
        ...(row.baseline === undefined ? { baseline: peerRow.name } : {}),
      };
    } else
      rows.push({ ...row, name: `${row.name}, against ${peerName}`, baseline: peerRow.name, target: goal });
  };
  for (const transport of TRANSPORTS) {
    const shared = setupLabel("shared", transport);
    target(
      `cold vs HTTP (${transport})`,
      cells.find("cold", shared),
      cells.find("cold", HTTP),
      ">=",
      (v) => TARGETS.coldVsHttp[transport] * v,
      "HTTP",
    );
    target(
      `cached vs copy (${transport})`,
      cells.find("cached", shared),
      cells.find("cached", setupLabel("copy", transport)),
      ">=",
      (v) => TARGETS.cachedVsCopy * v,
      "copy",
    );
  }
  target(
    "cached vs HTTP",
    cells.find("cached", SHM_SHARED),
    cells.find("cached", HTTP),
    ">=",
    (v) => TARGETS.cachedVsHttp * v,
    "HTTP",
  );
  const n = readerCounts.includes(TARGETS.readers) ? TARGETS.readers : Math.max(...readerCounts);
  target(
    `${n} readers vs HTTP`,
    cells.find("many", SHM_SHARED, n),
    cells.find("many", HTTP, n),
    ">=",
    (v) => TARGETS.manyVsHttp * v,
    "HTTP",
  );
  target(
    "cold vs block",
    cells.find("cold", SHM_SHARED),
    cells.find("cold", BLOCK),
    ">=",
    (v) => TARGETS.coldVsBlock * v,
    "block",
  );
  target(
    `${n} readers vs block`,
    cells.find("many", SHM_SHARED, n),
    cells.find("many", BLOCK, n),
    ">=",
    (v) => TARGETS.manyVsBlock * v,
    "block",
  );
  target(
    `host memory, ${n} readers vs block`,
    cells.find("many", SHM_SHARED, n),
    cells.find("many", BLOCK, n),
    "<=",
    (v) => TARGETS.hostVsBlock * v,
    "block",
    (c) => `host memory after, ${c.name}`,
  );
  target(
    "tree walk vs HTTP",
    cells.find("walk", SHM_SHARED),
    cells.find("walk", HTTP),
    ">=",
    (v) => TARGETS.walkVsHttp * v,
    "HTTP",
  );
  return { rows, unevaluated };
}

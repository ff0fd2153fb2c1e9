// The matrix's pure parts: which setups run, how rows and targets come out of cells (issue 17's
// targets against block mode and HTTP; a target whose peer was skipped is reported, not
// invented), and the docs page a smoke run makes.
import type { Calibration, Measurement } from "@xenfs/bench-kit";
import { describe, expect, it } from "vitest";
import type { BenchExport } from "./bench-export.js";
import { type Cell, cellName, METRIC } from "./cells.js";
import { renderBenchmarksMd } from "./docs.js";
import type { HostMemorySample } from "./host-memory.js";
import { type MatrixReport, matrixEntries, memorySvg, throughputSvg } from "./matrix-report.js";
import { suiteRows } from "./rows.js";
import { SETUPS, selectedSetups, WORKLOADS, type Workload } from "./setups.js";
import type { BenchSizes } from "./sizes.js";

const MiB = 1024 * 1024;
const files: BenchExport = {
  dir: "/x",
  cold: [{ path: "cold-0.bin", id: 1, bytes: 64 * MiB }],
  small: { path: "small.bin", id: 100, bytes: 16 * MiB },
  warm: { path: "warm.bin", id: 200, bytes: 2 * MiB },
  tree: { dir: "tree", files: 10_000, bytes: 1 },
  writeDir: "written",
  remove: async () => {},
};

const spreadOf = (v: number) => ({ median: v, min: v, max: v, q1: v, q3: v, iqr: 0 });
function measurement(name: string, value: number): Measurement {
  return {
    name,
    repeats: 1,
    seconds: spreadOf(1),
    opsPerSec: spreadOf(value),
    mbPerSec: spreadOf(value),
    latency: { samples: 1, p50Ms: 1, p99Ms: 1, minMs: 1, maxMs: 1, meanMs: 1 },
  };
}
const memory = (mib: number): HostMemorySample => ({
  pssBytes: { all: mib * MiB },
  fileBytes: 0,
  filePath: null,
  totalBytes: mib * MiB,
});

/** A measured cell with `value` in its metric and `hostMiB` of host memory after. */
function cell(workload: Workload, setup: string, value: number, readers = 1, hostMiB = 100): Cell {
  const name = cellName(workload, files, setup, readers);
  return {
    workload,
    setup,
    readers,
    name,
    metric: METRIC[workload],
    measurement: measurement(name, value),
    ...(setup === "http" || setup === "nfs" ? {} : { frames: 10 }),
    memory: { after: memory(hostMiB), ...(workload === "many" ? { before: memory(hostMiB / 2) } : {}) },
  };
}

describe("the XenFS matrix", () => {
  it("runs every setup by default, or those XENFS_BENCH_SETUPS names, and refuses an unknown name", () => {
    expect(selectedSetups("")).toBe(SETUPS);
    expect(selectedSetups("nfs, block-shm").map((s) => s.label)).toEqual(["block, shm", "nfs"]);
    expect(() => selectedSetups("shared")).toThrow(
      /no setup shared; the setups are shared-shm, shared-socket/,
    );
  });

  it("sets issue 17's targets on shared mode against block mode and HTTP, each met or not", () => {
    const cells = [
      cell("cold", "shared, shm", 300),
      cell("cold", "block, shm", 200),
      cell("cold", "http", 400),
      cell("walk", "shared, shm", 900),
      cell("walk", "http", 1000),
      cell("many", "shared, shm", 500, 8, 120),
      cell("many", "block, shm", 200, 8, 600),
      cell("many", "http", 100, 8, 90),
    ];
    const { rows, unevaluated } = suiteRows(cells, files, [1, 2, 4, 8]);
    const byName = new Map(rows.map((row) => [row.name, row]));
    const cold = "cold seq read 64 MiB, shared, shm";
    // The row itself: against HTTP (its baseline); a second row against block.
    expect(byName.get(cold)).toMatchObject({
      baseline: "cold seq read 64 MiB, http",
      target: { op: ">=", value: 400 },
    });
    expect(byName.get(`${cold}, against block`)).toMatchObject({
      baseline: "cold seq read 64 MiB, block, shm",
      target: { op: ">=", value: 200 },
    });
    const many = "8 readers of one 64 MiB file, shared, shm";
    expect(byName.get(`${many}, against block`)?.target).toEqual({ op: ">=", value: 400 });
    expect(byName.get(`host memory after, ${many}`)).toMatchObject({
      value: 120,
      baseline: `host memory after, 8 readers of one 64 MiB file, block, shm`,
      target: { op: "<=", value: 150 },
    });
    expect(byName.get("tree walk 10000 files, shared, shm")?.target).toEqual({ op: ">=", value: 1000 });
    expect(byName.get("tree walk 10000 files, shared, shm")?.hostMiB).toBe(100);
    // HTTP's own rows have no baseline; the frames of a network peer are not made up.
    expect(byName.get("cold seq read 64 MiB, http")?.baseline).toBeUndefined();
    expect(byName.get("cold seq read 64 MiB, http")?.frames).toBeUndefined();
    // Copy mode did not run: shared's cached re-read target cannot be set, and says so.
    expect(unevaluated.some((line) => line.includes("cached vs copy (shm)"))).toBe(true);
  });

  it("reports a target whose peer was skipped as not evaluated, and skipped cells in the matrix with why", () => {
    const skipped: Cell = {
      workload: "cold",
      setup: "block, shm",
      readers: 1,
      name: cellName("cold", files, "block, shm"),
      metric: "mbPerSec",
      skipped: "no /usr/sbin/mkfs.ext4",
    };
    const cells = [cell("cold", "shared, shm", 300), skipped, cell("cold", "http", 150)];
    const { rows, unevaluated } = suiteRows(cells, files, [1, 8]);
    expect(rows.some((row) => row.name.endsWith("against block"))).toBe(false);
    expect(unevaluated).toContain("cold vs block: the block row was not measured");
    const entries = matrixEntries(cells);
    expect(entries.find((e) => e.setup === "shared, shm")?.vsHttp).toBe(2);
    expect(entries.find((e) => e.setup === "block, shm")).toMatchObject({
      skipped: "no /usr/sbin/mkfs.ext4",
    });
  });

  it("renders a smoke run's docs page labelled as such, with every setup's cell and the plots", () => {
    const sizes: BenchSizes = {
      smoke: true,
      fileMb: 4,
      treeFiles: 200,
      metadataRounds: 50,
      randomOps: 200,
      readerCounts: [1, 2],
    };
    const cells = [
      cell("cold", "shared, shm", 300),
      cell("cold", "http", 150),
      {
        workload: "random",
        setup: "nfs",
        readers: 1,
        name: cellName("random", files, "nfs"),
        metric: "opsPerSec",
        skipped: "no positional read",
      },
      cell("many", "shared, shm", 50, 2, 80),
      cell("many", "http", 50, 2, 60),
    ] satisfies Cell[];
    const report: MatrixReport = {
      suite: "xenfs-matrix",
      at: "2026-01-01T00:00:00.000Z",
      smoke: true,
      sizes,
      machine: { cpus: 2, cpuModel: "cpu", memoryGiB: 4, node: "v20", kernel: "6.1" },
      calibration: {
        wsRoundTrip: { p50Ms: 0.1, p99Ms: 0.2 },
        wsThroughput: { mbPerSec: 500 },
        memcpy4k: { mbPerSec: 5000 },
      } as unknown as Calibration,
      environment: ["NFS: kernel client unused: none"],
      setups: ["shared, shm", "http", "nfs"],
      entries: matrixEntries(cells),
      targets: [{ name: "cold seq read 64 MiB, shared, shm", value: 300, target: ">= 150", met: true }],
      unevaluated: ["cold vs block: the block row was not measured"],
    };
    const md = renderBenchmarksMd(report);
    expect(md).toContain("Smoke run");
    expect(md).toContain("| cold sequential read | MB/s | 300 (2.00×) | 150 |  |");
    expect(md).toContain("skipped: no positional read");
    expect(md).toContain("| cold vs block: the block row was not measured | | | not evaluated |");
    expect(md).toContain("img/xenfs-memory.svg");
    expect(throughputSvg(report)).toContain("SMOKE RUN");
    expect(memorySvg(report)).toContain("shared, shm");
    expect(WORKLOADS).toHaveLength(7);
  });
});

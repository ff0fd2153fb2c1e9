// The matrix as a reader sees it — one entry per setup and workload, with its ratio to the HTTP
// peer, frames, host memory, or why it was skipped — written beside the suite's rows as
// results/xenfs-matrix-<stamp>.json and -latest.json, with the plots made from it
// (xenfs-throughput-latest.svg, xenfs-memory-latest.svg). docs.ts renders docs/benchmarks.md from it.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Calibration } from "@xenfs/bench-kit";
import { type BarPanel, renderBarPanels, renderLineChart } from "@xenfs/bench-kit";
import type { Cell } from "./cells.js";
import { WORKLOAD_TITLES } from "./cells.js";
import { HTTP, WORKLOADS } from "./setups.js";
import type { BenchSizes } from "./sizes.js";

export interface MatrixEntry {
  readonly workload: string;
  readonly title: string;
  readonly setup: string;
  readonly readers: number;
  readonly name: string;
  readonly value?: number;
  readonly unit: string;
  readonly vsHttp?: number;
  readonly frames?: number;
  readonly hostMiB?: number;
  readonly skipped?: string;
  readonly note?: string;
}

export interface MatrixReport {
  readonly suite: "xenfs-matrix";
  readonly at: string;
  readonly smoke: boolean;
  readonly sizes: BenchSizes;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly kernel: string;
  };
  readonly calibration: Calibration;
  /** Lines on what ran and what could not (the kernel NFS client, a missing tool). */
  readonly environment: readonly string[];
  readonly setups: readonly string[];
  readonly entries: readonly MatrixEntry[];
  readonly targets: readonly {
    readonly name: string;
    readonly value: number;
    readonly target: string;
    readonly met: boolean;
  }[];
  readonly unevaluated: readonly string[];
}

const UNIT = { mbPerSec: "MB/s", opsPerSec: "ops/s", p50Ms: "ms" } as const;

export function matrixEntries(cells: readonly Cell[]): MatrixEntry[] {
  const figureOf = (cell: Cell) => {
    const m = cell.measurement;
    if (!m) return undefined;
    return cell.metric === "p50Ms" ? m.latency?.p50Ms : m[cell.metric]?.median;
  };
  return cells.map((cell) => {
    const value = figureOf(cell);
    const http = cells.find(
      (c) => c.workload === cell.workload && c.setup === HTTP && c.readers === cell.readers,
    );
    const httpValue = http ? figureOf(http) : undefined;
    return {
      workload: cell.workload,
      title: WORKLOAD_TITLES[cell.workload],
      setup: cell.setup,
      readers: cell.readers,
      name: cell.name,
      unit: UNIT[cell.metric],
      ...(value === undefined ? {} : { value }),
      ...(value !== undefined && httpValue ? { vsHttp: value / httpValue } : {}),
      ...(cell.frames === undefined ? {} : { frames: cell.frames }),
      ...(cell.memory === undefined ? {} : { hostMiB: cell.memory.after.totalBytes / 2 ** 20 }),
      ...(cell.skipped === undefined ? {} : { skipped: cell.skipped }),
      ...(cell.note === undefined ? {} : { note: cell.note }),
    };
  });
}

/** Throughput by setup, a panel per workload (N readers at the largest N). */
export function throughputSvg(report: MatrixReport): string {
  const maxReaders = Math.max(...report.sizes.readerCounts);
  const panels: BarPanel[] = WORKLOADS.map((workload) => {
    const entries = report.entries.filter(
      (e) => e.workload === workload && e.readers === (workload === "many" ? maxReaders : 1),
    );
    const title =
      workload === "many" ? `${maxReaders} readers of one file (aggregate)` : (entries[0]?.title ?? workload);
    return {
      title,
      unit: entries[0]?.unit ?? "",
      bars: entries.map((e) => ({
        label: e.setup,
        ...(e.value === undefined ? {} : { value: e.value }),
        ...(e.skipped === undefined ? {} : { note: `skipped: ${e.skipped}` }),
      })),
    };
  });
  return renderBarPanels(
    `XenFS matrix: throughput by setup${report.smoke ? " (SMOKE RUN: small sizes)" : ""}`,
    panels,
  );
}

/** Host memory against N readers, one line per setup. */
export function memorySvg(report: MatrixReport): string {
  const series = report.setups
    .map((setup) => ({
      label: setup,
      points: report.entries
        .filter((e) => e.workload === "many" && e.setup === setup && e.hostMiB !== undefined)
        .map((e): [number, number] => [e.readers, e.hostMiB ?? 0]),
    }))
    .filter((s) => s.points.length > 0);
  return renderLineChart({
    title: `Host memory, N readers of one file${report.smoke ? " (SMOKE RUN: small sizes)" : ""}`,
    xLabel: "readers (N)",
    yLabel: "host memory, MiB (Pss + memory file)",
    series,
  });
}

export async function writeMatrixReport(
  report: MatrixReport,
  dir: string,
): Promise<{ json: string; svgs: string[] }> {
  const stamp = report.at.replaceAll(":", "-");
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files: [string, string][] = [
    [`xenfs-matrix-${stamp}.json`, json],
    ["xenfs-matrix-latest.json", json],
    ["xenfs-throughput-latest.svg", throughputSvg(report)],
    ["xenfs-memory-latest.svg", memorySvg(report)],
  ];
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text)));
  return {
    json: join(dir, "xenfs-matrix-latest.json"),
    svgs: files.slice(2).map(([name]) => join(dir, name)),
  };
}

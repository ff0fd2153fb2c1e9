import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { calibration } from "./calibration.fixture.js";
import { BenchKitError } from "./errors.js";
import { type SuiteReport, writeReport } from "./report.js";
import type { ResultRow } from "./rows.js";
import { spread } from "./stats.js";

const rows: ResultRow[] = [
  {
    name: "read copy",
    value: 250,
    unit: "MB/s",
    spread: spread([240, 250, 260]),
    calibration: "wsThroughput",
  },
  {
    name: "read <shared> & co",
    value: 1000,
    unit: "MB/s",
    spread: spread([900, 1000, 1100]),
    baseline: "read copy",
    frames: 64,
    hostMiB: 123.4,
    target: { op: ">=", value: 800 },
  },
  {
    name: "stat",
    value: 0.3,
    unit: "ms",
    latency: { samples: 9, p50Ms: 0.3, p99Ms: 1.25, minMs: 0.2, maxMs: 1.3, meanMs: 0.4 },
    target: { op: "<=", value: 0.2 },
  },
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bench-kit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true });
});

/** Tags open and close in order, attributes quoted: enough to catch a broken writer. */
function expectBalancedXml(svg: string): void {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(
    /<(\/?)([a-zA-Z]+)(?:\s+[a-zA-Z-:]+="[^"<]*")*\s*(\/?)>/g,
  )) {
    if (selfClosing) continue;
    if (close) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(svg.replace(/<[^>]*>/g, "")).not.toMatch(/[<>]/);
}

describe("writeReport", () => {
  it("writes timestamped and latest JSON that parse back to the evaluated report", async () => {
    const now = new Date("2025-03-04T05:06:07.089Z");
    const { report, files } = await writeReport({ suite: "xenfs-read", calibration, rows }, dir, now);
    expect((await readdir(dir)).sort()).toEqual([
      "xenfs-read-2025-03-04T05-06-07.089Z.json",
      "xenfs-read-2025-03-04T05-06-07.089Z.svg",
      "xenfs-read-latest.json",
      "xenfs-read-latest.svg",
    ]);
    const parsed = JSON.parse(await readFile(files.json, "utf8")) as SuiteReport;
    expect(parsed).toEqual(report);
    expect(JSON.parse(await readFile(files.latestJson, "utf8"))).toEqual(parsed);
    expect(parsed.at).toBe(now.toISOString());
    expect(parsed.rows.map((r) => [r.name, r.vsCalibration, r.vsBaseline, r.met])).toEqual([
      ["read copy", 0.5, undefined, undefined],
      ["read <shared> & co", undefined, 4, true],
      ["stat", undefined, undefined, false],
    ]);
  });

  it("draws one bar per row, grouped by unit, as well-formed self-contained SVG", async () => {
    const { files } = await writeReport({ suite: "svg", calibration, rows }, dir);
    const svg = await readFile(files.svg, "utf8");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expectBalancedXml(svg);
    expect(svg).not.toMatch(/href=|<image|<script/);
    expect(svg).toContain("read &#60;shared&#62; &#38; co");
    expect(svg.match(/<rect x=/g)).toHaveLength(rows.length);
    expect(svg.indexOf(">MB/s<")).toBeLessThan(svg.indexOf(">ms<"));
    expect(await readFile(files.latestSvg, "utf8")).toBe(svg);
  });

  it("returns an aligned table with every column that has a value", async () => {
    const { table } = await writeReport({ suite: "table", calibration, rows }, dir);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^table — calibration: ws round trip p50 0\.100 ms/);
    const header = lines[1]!;
    for (const title of [
      "name",
      "value",
      "unit",
      "min–max",
      "IQR",
      "vs calib",
      "vs base",
      "p50 ms",
      "p99 ms",
      "frames",
      "host MiB",
      "target",
      "met",
    ]) {
      expect(header).toContain(title);
    }
    const body = lines.slice(3);
    expect(body).toHaveLength(rows.length);
    // Right-aligned values end in the same column.
    const valueEnd = header.indexOf("value") + "value".length;
    for (const line of body) expect(line.slice(0, valueEnd)).toMatch(/\d$/);
    expect(body[1]).toContain("4.00× read copy");
    expect(body[1]).toContain("123");
    expect(body[2]).toContain("NOT MET");
    expect(body[2]).toContain("1.25");
  });

  it("refuses a suite name that is not a plain file name", async () => {
    await expect(writeReport({ suite: "../escape", calibration, rows }, dir)).rejects.toThrow(BenchKitError);
  });
});

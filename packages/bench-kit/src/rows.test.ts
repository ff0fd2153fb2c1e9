import { describe, expect, it } from "vitest";
import { calibration } from "./calibration.fixture.js";
import { BenchKitError } from "./errors.js";
import type { Measurement } from "./measure.js";
import { evaluate, type ResultRow, rowOf } from "./rows.js";
import { spread } from "./stats.js";

const rows: ResultRow[] = [
  { name: "read copy", value: 250, unit: "MB/s", calibration: "wsThroughput" },
  {
    name: "read shared",
    value: 1000,
    unit: "MB/s",
    calibration: "memcpy4k",
    baseline: "read copy",
    frames: 64,
  },
  { name: "stat", value: 0.3, unit: "ms", calibration: "wsRoundTrip", target: { op: "<=", value: 0.2 } },
  { name: "open", value: 0.15, unit: "ms", target: { op: "<=", value: 0.2 } },
];

describe("evaluate", () => {
  it("divides by the named calibration figure and baseline row, and checks targets", () => {
    const [copy, shared, stat, open] = evaluate({ suite: "s", calibration, rows });
    expect(copy?.vsCalibration).toBe(0.5);
    expect(shared?.vsCalibration).toBe(0.1);
    expect(shared?.vsBaseline).toBe(4);
    expect(stat?.vsCalibration).toBeCloseTo(3, 12);
    expect(stat?.met).toBe(false);
    expect(open?.met).toBe(true);
    expect(copy && "met" in copy).toBe(false);
  });

  it("refuses ratios between unlike units and baselines that are not in the suite", () => {
    const wrongUnit: ResultRow = { name: "x", value: 1, unit: "ops/s", calibration: "wsRoundTrip" };
    const noBase: ResultRow = { name: "y", value: 1, unit: "ms", baseline: "missing" };
    const unlikeBase: ResultRow = { name: "z", value: 1, unit: "ms", baseline: "read copy" };
    for (const [row, code] of [
      [wrongUnit, "UNIT_MISMATCH"],
      [noBase, "UNKNOWN_BASELINE"],
      [unlikeBase, "UNIT_MISMATCH"],
    ] as const) {
      const run = () => evaluate({ suite: "s", calibration, rows: [...rows, row] });
      expect(run).toThrow(BenchKitError);
      expect(run).toThrow(expect.objectContaining({ code }));
    }
  });
});

describe("rowOf", () => {
  const m: Measurement = {
    name: "m",
    repeats: 3,
    seconds: spread([1, 2, 3]),
    opsPerSec: spread([10, 20, 30]),
    mbPerSec: spread([4, 5, 6]),
    latency: { samples: 3, p50Ms: 0.2, p99Ms: 0.9, minMs: 0.1, maxMs: 0.9, meanMs: 0.4 },
  };

  it("takes the median of the chosen metric, with its unit and spread", () => {
    expect(rowOf(m, "mbPerSec", { frames: 8 })).toMatchObject({
      value: 5,
      unit: "MB/s",
      frames: 8,
      spread: m.mbPerSec,
    });
    expect(rowOf(m, "opsPerSec")).toMatchObject({ value: 20, unit: "ops/s" });
    const p50 = rowOf(m, "p50Ms", { name: "m p50" });
    expect(p50).toMatchObject({ name: "m p50", value: 0.2, unit: "ms", latency: m.latency });
    expect("spread" in p50).toBe(false);
  });

  it("refuses a metric the measurement does not have", () => {
    const { mbPerSec: _, ...noBytes } = m;
    expect(() => rowOf(noBytes, "mbPerSec")).toThrow(BenchKitError);
  });
});

import type { Calibration } from "./calibrate.js";
import { BenchKitError } from "./errors.js";
import type { Measurement } from "./measure.js";
import type { Latency, Spread } from "./stats.js";

/** Which calibration figure a result is a multiple of; it fixes the unit the result must have. */
export const CALIBRATION_REFS = {
  wsRoundTrip: { unit: "ms", of: (c: Calibration) => c.wsRoundTrip.p50Ms },
  wsThroughput: { unit: "MB/s", of: (c: Calibration) => c.wsThroughput.mbPerSec },
  memcpy4k: { unit: "MB/s", of: (c: Calibration) => c.memcpy4k.mbPerSec },
} as const;

export type CalibrationRef = keyof typeof CALIBRATION_REFS;

/** A goal for the headline value, in the row's unit. */
export interface Target {
  readonly op: ">=" | "<=";
  readonly value: number;
}

/** One line of a suite's results. */
export interface ResultRow {
  readonly name: string;
  /** The headline figure: the median over repeats. */
  readonly value: number;
  readonly unit: string;
  readonly spread?: Spread;
  readonly latency?: Latency;
  readonly calibration?: CalibrationRef;
  /** Name of another row in the suite (e.g. the `copy` mode) to divide by. */
  readonly baseline?: string;
  /** Machine frames in use while it ran. */
  readonly frames?: number;
  /** Host memory of the setup once it ran, MiB: every process's Pss plus any memory file's resident bytes. */
  readonly hostMiB?: number;
  readonly target?: Target;
}

export interface SuiteResults {
  readonly suite: string;
  readonly calibration: Calibration;
  readonly rows: readonly ResultRow[];
}

export interface EvaluatedRow extends ResultRow {
  readonly vsCalibration?: number;
  readonly vsBaseline?: number;
  readonly met?: boolean;
}

export type Metric = "mbPerSec" | "opsPerSec" | "p50Ms";

const METRIC_UNIT = { mbPerSec: "MB/s", opsPerSec: "ops/s", p50Ms: "ms" } as const satisfies Record<
  Metric,
  string
>;

/** A row whose headline is one metric of a measurement; `extra.name` renames it. */
export function rowOf(
  measurement: Measurement,
  metric: Metric,
  extra: Partial<Pick<ResultRow, "name" | "calibration" | "baseline" | "frames" | "hostMiB" | "target">> = {},
): ResultRow {
  const spread = metric === "p50Ms" ? undefined : measurement[metric];
  const value = metric === "p50Ms" ? measurement.latency?.p50Ms : spread?.median;
  if (value === undefined) {
    throw new BenchKitError(
      "UNIT_MISMATCH",
      `${measurement.name} has no ${metric} (no bytes or no latencies)`,
    );
  }
  return {
    name: measurement.name,
    value,
    unit: METRIC_UNIT[metric],
    ...(spread === undefined ? {} : { spread }),
    ...(measurement.latency === undefined ? {} : { latency: measurement.latency }),
    ...extra,
  };
}

/** Ratios to calibration and baseline, and whether each target is met. */
export function evaluate(results: SuiteResults): EvaluatedRow[] {
  const byName = new Map(results.rows.map((row) => [row.name, row]));
  return results.rows.map((row) => {
    const evaluated: { -readonly [K in keyof EvaluatedRow]: EvaluatedRow[K] } = { ...row };
    if (row.calibration !== undefined) {
      const ref = CALIBRATION_REFS[row.calibration];
      sameUnit(row, ref.unit, `calibration ${row.calibration}`);
      evaluated.vsCalibration = row.value / ref.of(results.calibration);
    }
    if (row.baseline !== undefined) {
      const base = byName.get(row.baseline);
      if (base === undefined)
        throw new BenchKitError("UNKNOWN_BASELINE", `${row.name}: no row ${row.baseline}`);
      sameUnit(row, base.unit, `baseline ${base.name}`);
      evaluated.vsBaseline = row.value / base.value;
    }
    if (row.target !== undefined) {
      evaluated.met = row.target.op === ">=" ? row.value >= row.target.value : row.value <= row.target.value;
    }
    return evaluated;
  });
}

function sameUnit(row: ResultRow, unit: string, what: string): void {
  if (row.unit !== unit)
    throw new BenchKitError("UNIT_MISMATCH", `${row.name} in ${row.unit}, ${what} in ${unit}`);
}

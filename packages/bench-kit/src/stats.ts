/** Median and spread of one figure over repeats. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles; `iqr` = q3 − q1. */
  readonly q1: number;
  readonly q3: number;
  readonly iqr: number;
}

/** Per-operation latencies pooled over the measured repeats, in milliseconds. */
export interface Latency {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

function sortedCopy(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError("no samples");
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError("samples must be finite");
  return [...values].sort((a, b) => a - b);
}

/**
 * Nearest-rank percentile of ascending `sorted`: the smallest sample with at least p% of the
 * samples at or below it. Always a measured value, never an interpolation.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("no samples");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside [0, 100]`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Quantile by linear interpolation between closest ranks (R type 7, numpy's default): with the
 * handful of repeats a bench runs, interpolated quartiles say more than nearest ranks.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("no samples");
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  const lower = sorted[low]!;
  const upper = sorted[Math.min(low + 1, sorted.length - 1)]!;
  return lower + (upper - lower) * (at - low);
}

export function median(values: readonly number[]): number {
  return quantile(sortedCopy(values), 0.5);
}

export function spread(values: readonly number[]): Spread {
  const sorted = sortedCopy(values);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  return { median: quantile(sorted, 0.5), min: sorted[0]!, max: sorted.at(-1)!, q1, q3, iqr: q3 - q1 };
}

export function latency(samplesMs: readonly number[]): Latency {
  const sorted = sortedCopy(samplesMs);
  return {
    samples: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    minMs: sorted[0]!,
    maxMs: sorted.at(-1)!,
    meanMs: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
  };
}

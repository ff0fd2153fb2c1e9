import { performance } from "node:perf_hooks";
import { type Latency, latency, type Spread, spread } from "./stats.js";

/** Handed to the benchmark on every repeat. */
export interface RepeatContext {
  /** 0-based; warm-up repeats are negative. */
  readonly repeat: number;
  /** Runs `op` and records its latency. */
  time<T>(op: () => Promise<T> | T): Promise<T>;
  /** Records a latency the benchmark measured itself, in milliseconds. */
  record(ms: number): void;
}

/** What one repeat did: operations completed and, for data benchmarks, bytes moved. */
export interface RepeatWork {
  readonly ops: number;
  readonly bytes?: number;
}

export type Benchmark = (context: RepeatContext) => Promise<RepeatWork> | RepeatWork;

export interface MeasureOptions {
  /** Measured repeats (default 5). */
  readonly repeats?: number;
  /** Unmeasured repeats first, to warm JIT, caches and connections (default 1). */
  readonly warmup?: number;
}

export interface Measurement {
  readonly name: string;
  readonly repeats: number;
  readonly seconds: Spread;
  readonly opsPerSec: Spread;
  /** Present when every repeat reported bytes. 1 MB = 10^6 bytes. */
  readonly mbPerSec?: Spread;
  /** Present when the benchmark timed or recorded operations. */
  readonly latency?: Latency;
}

const MB = 1e6;

/** Runs `bench` warm-up + repeats times, one after another, and summarises the measured ones. */
export async function measure(
  name: string,
  bench: Benchmark,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const { repeats = 5, warmup = 1 } = options;
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats ${repeats} must be ≥ 1`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`warmup ${warmup} must be ≥ 0`);

  const seconds: number[] = [];
  const opsPerSec: number[] = [];
  const mbPerSec: number[] = [];
  const samples: number[] = [];
  for (let repeat = -warmup; repeat < repeats; repeat++) {
    const recorded: number[] = [];
    const context: RepeatContext = {
      repeat,
      async time(op) {
        const start = performance.now();
        const result = await op();
        recorded.push(performance.now() - start);
        return result;
      },
      record(ms) {
        recorded.push(ms);
      },
    };
    const start = performance.now();
    const work = await bench(context);
    const elapsed = (performance.now() - start) / 1000;
    if (repeat < 0) continue;
    seconds.push(elapsed);
    opsPerSec.push(work.ops / elapsed);
    if (work.bytes !== undefined) mbPerSec.push(work.bytes / MB / elapsed);
    samples.push(...recorded);
  }
  return {
    name,
    repeats,
    seconds: spread(seconds),
    opsPerSec: spread(opsPerSec),
    ...(mbPerSec.length === repeats ? { mbPerSec: spread(mbPerSec) } : {}),
    ...(samples.length > 0 ? { latency: latency(samples) } : {}),
  };
}

// One reader against one server: cold sequential reads of a large file, re-reads of a file the
// reader has just read, and random page reads of that file with many in flight.
import { type Measurement, measure } from "@xenfs/bench-kit";
import { type BenchExport, sizeName } from "./bench-export.js";
import type { Reader } from "./reader-process.js";

/** Read size of a sequential reader, as a copy loop would use. */
export const CHUNK_BYTES = 1024 * 1024;
export const RANDOM_INFLIGHT = 16;
const RANDOM_OPS = 2_000;
const RANDOM_SEED = 4_242;

export interface SingleReaderFigures {
  readonly cold: Measurement;
  readonly random: Measurement;
  readonly cached: Measurement;
  /** Machine frames in use after each (XenFS only). */
  readonly frames: {
    readonly cold: number | undefined;
    readonly random: number | undefined;
    readonly cached: number | undefined;
  };
}

export const rowNames = (files: BenchExport, kind: string) => ({
  cold: `cold seq read ${sizeName(files.cold[0].bytes)}, ${kind}`,
  random: `random 4 KiB x${RANDOM_INFLIGHT} in ${sizeName(files.small.bytes)}, ${kind}`,
  cached: `cached re-read ${sizeName(files.small.bytes)}, ${kind}`,
});

export async function singleReaderFigures(
  reader: Reader,
  files: BenchExport,
  kind: string,
  framesUsed: () => Promise<number | undefined>,
): Promise<SingleReaderFigures> {
  const names = rowNames(files, kind);
  // No warm-up: a second read of the same file would not be cold.
  let nextCold = 0;
  const cold = await measure(
    names.cold,
    async () => {
      const file = files.cold[nextCold++ % files.cold.length] ?? files.cold[0];
      return { ops: 1, bytes: await reader.whole(file, CHUNK_BYTES) };
    },
    { repeats: files.cold.length, warmup: 0 },
  );
  const coldFrames = await framesUsed();

  // The warm-up reads it in; the measured repeats find it held.
  const cached = await measure(
    names.cached,
    async () => ({ ops: 1, bytes: await reader.whole(files.small, CHUNK_BYTES) }),
    { repeats: 5, warmup: 1 },
  );
  const cachedFrames = await framesUsed();

  // Over the file just re-read: dom0's cache holds it and a shared guest all of it.
  const random = await measure(
    names.random,
    async (ctx) => {
      const latencies = await reader.random(
        files.small,
        RANDOM_OPS,
        RANDOM_INFLIGHT,
        RANDOM_SEED + ctx.repeat,
      );
      for (const ms of latencies) ctx.record(ms);
      return { ops: latencies.length, bytes: latencies.length * 4096 };
    },
    { repeats: 3, warmup: 1 },
  );
  console.log(
    `  ${kind}: cold ${cold.mbPerSec?.median.toFixed(1)} MB/s, cached ${cached.mbPerSec?.median.toFixed(1)} MB/s, random ${random.opsPerSec.median.toFixed(0)} ops/s`,
  );
  return {
    cold,
    random,
    cached,
    frames: { cold: coldFrames, random: await framesUsed(), cached: cachedFrames },
  };
}

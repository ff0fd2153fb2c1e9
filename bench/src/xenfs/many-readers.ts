// N readers reading the same large file at once: aggregate throughput and, for XenFS, the
// machine frames the host uses for it.
import { type Measurement, measure } from "@xenfs/bench-kit";
import { sizeName } from "./bench-export.js";
import { type Reader, type ReaderKind, type ReaderTarget, startReaders } from "./reader-process.js";
import { CHUNK_BYTES } from "./single-reader.js";
import type { FileRef } from "./workloads.js";

export interface ManyReadersFigure {
  readonly readers: number;
  readonly file: FileRef;
  readonly throughput: Measurement;
  /** What `observe` saw once every reader had read the file (and still held what it keeps). */
  readonly frames: number | undefined;
}

export async function readTogether(
  kind: ReaderKind,
  target: ReaderTarget,
  readers: number,
  file: FileRef,
  repeats: number,
  observe: () => Promise<number | undefined>,
): Promise<ManyReadersFigure> {
  const started: Reader[] = await startReaders(kind, target, readers, `${kind}-reader`);
  try {
    const throughput = await measure(
      manyRowName(readers, file, kind),
      async () => {
        const bytes = await Promise.all(started.map((reader) => reader.whole(file, CHUNK_BYTES)));
        return { ops: readers, bytes: bytes.reduce((sum, b) => sum + b, 0) };
      },
      { repeats, warmup: 0 },
    );
    const figure = { readers, file, throughput, frames: await observe() };
    console.log(
      `  ${throughput.name}: ${throughput.mbPerSec?.median.toFixed(1)} MB/s, frames ${figure.frames ?? "-"}`,
    );
    return figure;
  } finally {
    await Promise.all(started.map((reader) => reader.stop()));
  }
}

export function manyRowName(readers: number, file: FileRef, kind: string): string {
  return `${readers} readers of one ${sizeName(file.bytes)} file, ${kind}`;
}

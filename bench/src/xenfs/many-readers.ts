// N readers reading the same large file at once: aggregate throughput and, for XenFS, the
// machine frames and the host memory (real terms) it costs.
import { type Measurement, measure } from "@xenfs/bench-kit";
import { sizeName } from "./bench-export.js";
import { describeGrowth, type HostMemorySample } from "./host-memory.js";
import { type Reader, type ReaderKind, type ReaderTarget, startReaders } from "./reader-process.js";
import { CHUNK_BYTES } from "./single-reader.js";
import type { FileRef } from "./workloads.js";

export interface ManyReadersFigure {
  readonly readers: number;
  readonly file: FileRef;
  readonly throughput: Measurement;
  /** Frames in use once every reader had read the file (and still held what it keeps). */
  readonly frames: number | undefined;
  /**
   * Host memory with the readers started and mounted but idle (before), and once all had read
   * the file and still held what they keep (after). Undefined for HTTP.
   */
  readonly memory: { readonly before: HostMemorySample; readonly after: HostMemorySample } | undefined;
}

/** What the bench reads of the host around a run; HTTP has neither frames nor a XenFS host. */
export interface ManyReadersProbe {
  frames(): Promise<number | undefined>;
  memory?(readerPids: readonly number[]): Promise<HostMemorySample>;
}

/**
 * Starts `readers` readers, has each read `warm` (so what they load and compile to read is in
 * place before "before"), then all read `file` at once.
 */
export async function readTogether(
  kind: ReaderKind,
  label: string,
  target: ReaderTarget,
  readers: number,
  files: { readonly file: FileRef; readonly warm: FileRef },
  repeats: number,
  probe: ManyReadersProbe,
): Promise<ManyReadersFigure> {
  const { file, warm } = files;
  const started: Reader[] = await startReaders(kind, target, readers, `${kind}-reader`);
  const memory = async () => {
    if (!probe.memory) return undefined;
    await Promise.all(started.map((reader) => reader.settle()));
    return probe.memory(started.map((reader) => reader.pid));
  };
  try {
    for (const reader of started) await reader.whole(warm, CHUNK_BYTES);
    const before = await memory();
    const throughput = await measure(
      manyRowName(readers, file, label),
      async () => {
        const bytes = await Promise.all(started.map((reader) => reader.whole(file, CHUNK_BYTES)));
        return { ops: readers, bytes: bytes.reduce((sum, b) => sum + b, 0) };
      },
      { repeats, warmup: 0 },
    );
    const frames = await probe.frames();
    const after = await memory();
    const measured = before && after ? { before, after } : undefined;
    const growth = measured ? `, host memory ${describeGrowth(measured.before, measured.after)}` : "";
    const figure = { readers, file, throughput, frames, memory: measured };
    console.log(
      `  ${throughput.name}: ${throughput.mbPerSec?.median.toFixed(1)} MB/s, frames ${frames ?? "-"}${growth}`,
    );
    return figure;
  } finally {
    await Promise.all(started.map((reader) => reader.stop()));
  }
}

export function manyRowName(readers: number, file: FileRef, label: string): string {
  return `${readers} readers of one ${sizeName(file.bytes)} file, ${label}`;
}

// N readers reading the same large file at once: aggregate throughput, the machine frames (XenFS
// and block) and the host memory (real terms) it costs.
import { measure } from "@xenfs/bench-kit";
import { type Cell, CHUNK_BYTES } from "./cells.js";
import { describeGrowth } from "./host-memory.js";
import { type Reader, startReaders } from "./reader-process.js";
import type { RunningSetup, Setup } from "./setups.js";
import type { FileRef } from "./workloads.js";

/**
 * Starts `readers` readers, has each read `warm` (so what they load and compile to read is in
 * place before "before"), then all read `file` at once.
 */
export async function readTogether(
  setup: Setup,
  running: RunningSetup,
  readers: number,
  files: { readonly file: FileRef; readonly warm: FileRef },
  repeats: number,
  name: string,
): Promise<Cell> {
  const { file, warm } = files;
  const started: Reader[] = await startReaders(setup.kind, running.target, readers, `${setup.kind}-reader`);
  const memory = async () => {
    await Promise.all(started.map((reader) => reader.settle()));
    return running.memory(started.map((reader) => reader.pid));
  };
  try {
    for (const reader of started) await reader.whole(warm, CHUNK_BYTES);
    const before = await memory();
    const throughput = await measure(
      name,
      async () => {
        const bytes = await Promise.all(started.map((reader) => reader.whole(file, CHUNK_BYTES)));
        return { ops: readers, bytes: bytes.reduce((sum, b) => sum + b, 0) };
      },
      { repeats, warmup: 0 },
    );
    const frames = await running.frames();
    const after = await memory();
    console.log(
      `  ${name}: ${throughput.mbPerSec?.median.toFixed(1)} MB/s, frames ${frames ?? "-"}, host memory ${describeGrowth(before, after)}`,
    );
    return {
      workload: "many",
      setup: setup.label,
      readers,
      name,
      metric: "mbPerSec",
      measurement: throughput,
      ...(frames === undefined ? {} : { frames }),
      memory: { before, after },
    };
  } finally {
    await Promise.all(started.map((reader) => reader.stop()));
  }
}

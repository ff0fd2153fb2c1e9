// The directory every server in the benchmark exports, written once per run: large files read
// cold (one per repeat, so each read finds dom0's cache empty of it) and a smaller one that fits
// in what a guest keeps, for cached re-reads and random reads.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePagedFile } from "./pages.js";
import type { FileRef } from "./workloads.js";

const MiB = 1024 * 1024;
const MAX_BENCH_MB = 1024;

/**
 * The large file's size, MiB: `XENFS_BENCH_MB` (default 64) — a smaller value gives a quick smoke
 * run whose figures are not the suite's. The small file is a quarter of it.
 */
export function benchFileMb(): number {
  const { XENFS_BENCH_MB: value } = process.env;
  if (value === undefined || value === "") return 64;
  const mb = Number(value);
  if (!Number.isInteger(mb) || mb < 4 || mb > MAX_BENCH_MB || mb % 4 !== 0) {
    throw new Error(`XENFS_BENCH_MB=${value}: must be a multiple of 4 in [4, ${MAX_BENCH_MB}]`);
  }
  return mb;
}

export interface BenchExport {
  readonly dir: string;
  /** Large files, each read cold once. */
  readonly cold: readonly [FileRef, ...FileRef[]];
  readonly small: FileRef;
  /**
   * 2 MiB every N-readers reader reads first, so what reading loads, compiles and grows is in place
   * before the host memory is taken; fewer pages than a reader keeps, so the file read after still
   * counts whole.
   */
  readonly warm: FileRef;
  remove(): Promise<void>;
}

export async function writeBenchExport(coldFiles: number): Promise<BenchExport> {
  const largeBytes = benchFileMb() * MiB;
  const dir = await mkdtemp(join(tmpdir(), "xenfs-bench-export-"));
  const file = async (path: string, id: number, bytes: number): Promise<FileRef> => {
    await writePagedFile(join(dir, path), id, bytes);
    return { path, id, bytes };
  };
  const cold: [FileRef, ...FileRef[]] = [await file("cold-0.bin", 1, largeBytes)];
  for (let i = 1; i < coldFiles; i++) cold.push(await file(`cold-${i}.bin`, i + 1, largeBytes));
  return {
    dir,
    cold,
    small: await file("small.bin", 100, largeBytes / 4),
    warm: await file("warm.bin", 200, 512 * 4096),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** "64 MiB", for row names. */
export function sizeName(bytes: number): string {
  return `${bytes / MiB} MiB`;
}

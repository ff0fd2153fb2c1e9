// The directory every server in the benchmark exports, written once per run: large files read
// cold (one per repeat, so each read finds dom0's cache empty of it) and a smaller one that fits
// in what a guest keeps, for cached re-reads (and copy mode's N-reader runs, see figures.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePagedFile } from "./pages.js";
import type { FileRef } from "./workloads.js";

const MiB = 1024 * 1024;
export const LARGE_FILE_BYTES = 64 * MiB;
export const SMALL_FILE_BYTES = 16 * MiB;

export interface BenchExport {
  readonly dir: string;
  /** Large files, each read cold once. */
  readonly cold: readonly [FileRef, ...FileRef[]];
  readonly small: FileRef;
  remove(): Promise<void>;
}

export async function writeBenchExport(coldFiles: number): Promise<BenchExport> {
  const dir = await mkdtemp(join(tmpdir(), "xenfs-bench-export-"));
  const file = async (path: string, id: number, bytes: number): Promise<FileRef> => {
    await writePagedFile(join(dir, path), id, bytes);
    return { path, id, bytes };
  };
  const cold: [FileRef, ...FileRef[]] = [await file("cold-0.bin", 1, LARGE_FILE_BYTES)];
  for (let i = 1; i < coldFiles; i++) cold.push(await file(`cold-${i}.bin`, i + 1, LARGE_FILE_BYTES));
  return {
    dir,
    cold,
    small: await file("small.bin", 100, SMALL_FILE_BYTES),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** "64 MiB", for row names. */
export function sizeName(bytes: number): string {
  return `${bytes / MiB} MiB`;
}

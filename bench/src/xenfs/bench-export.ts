// The directory every server in the benchmark exports, written once per run: large files read
// cold (one per repeat, so each read finds dom0's cache empty of it), a smaller one that fits
// in what a guest keeps, for cached re-reads and random reads, a tree of small files to walk, and
// the directories writes and metadata ops go to.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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
  /** The tree walked: `files` small files in directories of 100, `bytes` in all. */
  readonly tree: { readonly dir: string; readonly files: number; readonly bytes: number };
  /** Where written files go (a directory of the export). */
  readonly writeDir: string;
  remove(): Promise<void>;
}

const TREE_FANOUT = 100;

/** A small file's size: 256 B to 4 KiB, varied like the files of a source checkout. */
const treeFileBytes = (i: number) => 256 + ((i * 977) % 3841);

async function writeTree(root: string, files: number): Promise<number> {
  let bytes = 0;
  for (let d = 0; d * TREE_FANOUT < files; d++) {
    const dir = join(root, `d${String(d).padStart(3, "0")}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * TREE_FANOUT; i < Math.min(files, (d + 1) * TREE_FANOUT); i++) {
      const size = treeFileBytes(i);
      bytes += size;
      writes.push(writeFile(join(dir, `f${i}.txt`), Buffer.alloc(size, `file ${i} `)));
    }
    await Promise.all(writes);
  }
  return bytes;
}

export async function writeBenchExport(
  coldFiles: number,
  sizes: { readonly fileMb: number; readonly treeFiles: number },
): Promise<BenchExport> {
  const largeBytes = sizes.fileMb * MiB;
  const dir = await mkdtemp(join(tmpdir(), "xenfs-bench-export-"));
  const file = async (path: string, id: number, bytes: number): Promise<FileRef> => {
    await writePagedFile(join(dir, path), id, bytes);
    return { path, id, bytes };
  };
  const cold: [FileRef, ...FileRef[]] = [await file("cold-0.bin", 1, largeBytes)];
  for (let i = 1; i < coldFiles; i++) cold.push(await file(`cold-${i}.bin`, i + 1, largeBytes));
  const treeBytes = await writeTree(join(dir, "tree"), sizes.treeFiles);
  await mkdir(join(dir, "written"));
  return {
    dir,
    cold,
    small: await file("small.bin", 100, largeBytes / 4),
    warm: await file("warm.bin", 200, 512 * 4096),
    tree: { dir: "tree", files: sizes.treeFiles, bytes: treeBytes },
    writeDir: "written",
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** "64 MiB", for row names. */
export function sizeName(bytes: number): string {
  return `${bytes / MiB} MiB`;
}

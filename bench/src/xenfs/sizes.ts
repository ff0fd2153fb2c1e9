// How big the XenFS matrix runs. The full run: 64 MiB files, a 10,000-file tree, N = 1, 2, 4, 8
// readers. XENFS_BENCH_SMOKE=1 runs every cell at a small size (seconds a cell; the figures say
// nothing but that every path works); XENFS_BENCH_MB sets the large file's size either way;
// XENFS_BENCH_SETUPS=cow-shm,nfs runs only the setups named (label with "-" for ", ").
import { benchFileMb } from "./bench-export.js";

export interface BenchSizes {
  /** True for a smoke run: its figures are not the suite's, and the report says so. */
  readonly smoke: boolean;
  readonly fileMb: number;
  /** Small files in the walked tree. */
  readonly treeFiles: number;
  /** Rounds of create + stat + unlink per repeat. */
  readonly metadataRounds: number;
  /** 4 KiB random reads per repeat. */
  readonly randomOps: number;
  readonly readerCounts: readonly number[];
}

export function benchSizes(): BenchSizes {
  const { XENFS_BENCH_SMOKE: smoke = "", XENFS_BENCH_MB: mb = "" } = process.env;
  if (smoke !== "" && smoke !== "0" && smoke !== "1") {
    throw new Error(`XENFS_BENCH_SMOKE=${smoke}: must be 0 or 1`);
  }
  if (smoke === "1") {
    return {
      smoke: true,
      fileMb: mb === "" ? 4 : benchFileMb(),
      treeFiles: 200,
      metadataRounds: 50,
      randomOps: 200,
      readerCounts: [1, 2],
    };
  }
  return {
    smoke: false,
    fileMb: benchFileMb(),
    treeFiles: 10_000,
    metadataRounds: 300,
    randomOps: 2_000,
    readerCounts: [1, 2, 4, 8],
  };
}

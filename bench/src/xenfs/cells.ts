// A cell of the matrix: one setup running one workload — its measurement and what the setup held
// once it ran, or why it was skipped — and the row name it is reported under.
import type { Measurement, Metric } from "@xenfs/bench-kit";
import { type BenchExport, sizeName } from "./bench-export.js";
import type { HostMemorySample } from "./host-memory.js";
import type { Workload } from "./setups.js";

export const RANDOM_INFLIGHT = 16;
/** Read and write size of a sequential reader or writer, as a copy loop would use. */
export const CHUNK_BYTES = 1024 * 1024;

export interface Cell {
  readonly workload: Workload;
  readonly setup: string;
  readonly readers: number;
  readonly name: string;
  readonly metric: Metric;
  readonly measurement?: Measurement;
  /** Machine frames the setup's guests hold once it ran (XenFS and block). */
  readonly frames?: number;
  /** Host memory once it ran (and, for N readers, with the readers started but idle). */
  readonly memory?: { readonly after: HostMemorySample; readonly before?: HostMemorySample };
  /** Why the cell was not measured. */
  readonly skipped?: string;
  /** What the figure measures where it differs from the other setups'. */
  readonly note?: string;
}

/** The metric each workload is reported in. */
export const METRIC: Record<Workload, Metric> = {
  cold: "mbPerSec",
  cached: "mbPerSec",
  random: "opsPerSec",
  walk: "opsPerSec",
  write: "mbPerSec",
  metadata: "opsPerSec",
  many: "mbPerSec",
};

/** What each workload is called in the docs and plots. */
export const WORKLOAD_TITLES: Record<Workload, string> = {
  cold: "cold sequential read",
  cached: "cached re-read",
  random: `random 4 KiB reads, ${RANDOM_INFLIGHT} in flight`,
  walk: "tree walk (readdir + stat + read)",
  write: "sequential write + fsync",
  metadata: "metadata (create + stat + unlink)",
  many: "N readers of one file (aggregate)",
};

/** Row names; the read rows keep the names earlier runs of the suite used. */
export function cellName(workload: Workload, files: BenchExport, label: string, readers = 1): string {
  const large = sizeName(files.cold[0].bytes);
  const small = sizeName(files.small.bytes);
  switch (workload) {
    case "cold":
      return `cold seq read ${large}, ${label}`;
    case "cached":
      return `cached re-read ${small}, ${label}`;
    case "random":
      return `random 4 KiB x${RANDOM_INFLIGHT} in ${small}, ${label}`;
    case "walk":
      return `tree walk ${files.tree.files} files, ${label}`;
    case "write":
      return `seq write ${large} + fsync, ${label}`;
    case "metadata":
      return `metadata create+stat+unlink, ${label}`;
    case "many":
      return `${readers} readers of one ${large} file, ${label}`;
  }
}

// The XenFS suite: shared mode and copy mode, each under both memory transports (shm, socket),
// and an HTTP file server on loopback over the same export — cold sequential reads of 64 MiB,
// random 4 KiB reads 16 in flight, cached re-reads of 16 MiB, and N = 1, 2, 4, 8 readers of one
// 64 MiB file (aggregate MB/s, machine frames in use, host memory before and after in real terms:
// processes' Pss + the memory file's resident bytes). XENFS_BENCH_MB shrinks the files for a smoke run.
// Hypervisor, dom0, the HTTP server and every reader are processes of their own: each figure
// crosses the process boundaries it would cross on a real host.
import { fileURLToPath } from "node:url";
import { calibrate, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { writeBenchExport } from "./xenfs/bench-export.js";
import { gatherFigures } from "./xenfs/figures.js";
import { suiteRows } from "./xenfs/rows.js";

/** Cold reads measured, each of a file dom0 has not read yet (about 20 s each in copy mode). */
const COLD_FILES = 2;

export async function runXenfsBench(resultsDir: string): Promise<WrittenReport> {
  const calibration = await calibrate();
  const files = await writeBenchExport(COLD_FILES);
  try {
    const figures = await gatherFigures(files);
    const written = await writeReport(
      { suite: "xenfs", calibration, rows: suiteRows(figures, files) },
      resultsDir,
    );
    console.log(written.table);
    return written;
  } finally {
    await files.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runXenfsBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}

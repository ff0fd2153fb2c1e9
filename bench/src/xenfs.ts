// The XenFS suite (issue 4): shared mode, copy mode and an HTTP file server on loopback over the
// same export — cold sequential reads of 64 MiB, random 4 KiB reads 16 in flight, cached re-reads,
// and N = 1, 2, 4, 8 readers of one file (aggregate MB/s, machine frames in use): 64 MiB, except
// copy mode's 16 MiB (see xenfs/figures.ts).
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

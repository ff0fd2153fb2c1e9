// The scale suite: how the host grows with its guests. For N = 8, 16, 32, 64 guests (each its own
// process, mounting XenFS through dom0): the time until all N are mounted, host memory per guest
// (the guests' Pss / N), hypervisor memory per guest (its Pss growth / N), and how evenly N
// guests reading one file at once share the throughput (Jain's index). SCALE_GUESTS=2,4 picks
// other sizes, for a quick run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { calibrate, type ResultRow, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { scaleRows } from "./scale/rows.js";
import { measureScalePoint } from "./scale/scale-point.js";
import { writePagedFile } from "./xenfs/pages.js";
import type { FileRef } from "./xenfs/workloads.js";

const DEFAULT_GUESTS = [8, 16, 32, 64] as const;
/** Read by every guest at once: small enough that 64 guests read it in seconds on two cores. */
const FILE_BYTES = 4 * 2 ** 20;
const SIZES = { memoryMb: 512, cacheMb: 64, repeats: 3 } as const;

/** SCALE_GUESTS="2,4": guest counts for this run; the full curve otherwise. */
export function guestCounts(raw = process.env["SCALE_GUESTS"]): number[] {
  if (raw === undefined || raw.trim() === "") return [...DEFAULT_GUESTS];
  const counts = raw.split(",").map((part) => Number(part.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    throw new RangeError(`SCALE_GUESTS=${raw}: a comma-separated list of guest counts from 1 to 64`);
  }
  return counts;
}

export async function runScaleBench(resultsDir: string): Promise<WrittenReport> {
  const counts = guestCounts();
  const calibration = await calibrate();
  const exportDir = await mkdtemp(join(tmpdir(), "xenfs-bench-scale-"));
  const rows: ResultRow[] = [];
  try {
    const file: FileRef = { path: "shared.bin", id: 7, bytes: FILE_BYTES };
    await writePagedFile(join(exportDir, file.path), file.id, file.bytes);
    for (const guests of counts)
      rows.push(...scaleRows(await measureScalePoint(guests, exportDir, file, SIZES)));
  } finally {
    await rm(exportDir, { recursive: true, force: true });
  }
  const written = await writeReport({ suite: "scale", calibration, rows }, resultsDir);
  console.log(written.table);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runScaleBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}

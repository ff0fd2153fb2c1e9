// The sharing suite (issue 12's rows, docs/xenfs.md "Benchmarks of sharing"): cow mode with
// N = 1, 2, 4, 8 guests each rewriting 1% of one file (frames and host memory against base ×
// 1.05 + written pages × 1.1); mmap ping-pong between two guests through a mapped page and an
// event channel (p50 beside the raw WebSocket round trip); page flipping against copying for
// 4 KiB and 64 KiB reads in copy mode; identical-page sharing on 8 guests with 50% identical
// content. Hypervisor and dom0 are processes of their own, the guests live in this one.
// SHARING_BENCH_MB shrinks the cow file (and the other rows' work) for a smoke run.
import { fileURLToPath } from "node:url";
import { calibrate, type ResultRow, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { cowRows } from "./sharing/cow.js";
import { FLIP_FILE, flipVsCopyRows } from "./sharing/flip-vs-copy.js";
import { fileBytes, withHost } from "./sharing/host.js";
import { identicalPageRows } from "./sharing/identical-pages.js";
import { mmapPingPongRows, PING_FILE } from "./sharing/mmap-ping-pong.js";
import { SIZES } from "./sharing/sizes.js";

export async function runSharingBench(resultsDir: string): Promise<WrittenReport> {
  const calibration = await calibrate();
  const rows: ResultRow[] = [];
  rows.push(...(await cowRows()));
  const files = { [PING_FILE]: new Uint8Array(4096), [FLIP_FILE]: fileBytes(SIZES.flipFileMb, 2) };
  rows.push(
    ...(await withHost(
      { files, memoryMb: 64 + SIZES.flipFileMb, cacheMb: 8 + SIZES.flipFileMb },
      async (host) => [...(await mmapPingPongRows(host)), ...(await flipVsCopyRows(host))],
    )),
  );
  rows.push(...(await identicalPageRows()));
  const written = await writeReport({ suite: "sharing", calibration, rows }, resultsDir);
  console.log(written.table);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runSharingBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}

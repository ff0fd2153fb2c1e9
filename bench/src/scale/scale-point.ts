// One point of the scale curve: a fresh host, N guests started at once and timed until every one
// has mounted XenFS, their memory and the hypervisor's growth, then all N reading one file at
// once, repeatedly, for the aggregate throughput and Jain's index of the guests' shares.
import { performance } from "node:perf_hooks";
import { median } from "@xenfs/bench-kit";
import { procMemory } from "@xenfs/service-kit";
import { CHUNK_BYTES } from "../xenfs/cells.js";
import { startXenfsHost } from "../xenfs/host.js";
import { Reader } from "../xenfs/reader-process.js";
import type { FileRef } from "../xenfs/workloads.js";
import { jainIndex } from "./fairness.js";
import { pidsByEnv } from "./pids.js";

export interface ScalePoint {
  readonly guests: number;
  /** From spawning the N guest processes to the last one mounted. */
  readonly mountedMs: number;
  /** Sum of the guest processes' Pss. */
  readonly guestPssBytes: number;
  /** The hypervisor's Pss once the guests are mounted, less before any joined. */
  readonly hypervisorGrowthBytes: number;
  /** Per repeat: every guest's MB/s while all read at once, and the aggregate MB/s. */
  readonly reads: readonly { readonly perGuest: readonly number[]; readonly aggregate: number }[];
}

export interface ScaleSizes {
  readonly memoryMb: number;
  readonly cacheMb: number;
  readonly repeats: number;
}

/**
 * Pages each guest keeps: fewer than the file has, so every read at every N goes through dom0
 * (the same regime at 8 as at 64 guests), and few enough that 64 guests' mappings fit dom0's
 * grant table (16 384 refs) without it taking grants back.
 */
const PAGES_HELD = 160;

export async function measureScalePoint(
  guests: number,
  exportDir: string,
  file: FileRef,
  sizes: ScaleSizes,
): Promise<ScalePoint> {
  const host = await startXenfsHost(exportDir, sizes, "shm");
  try {
    const hypervisorBefore = procMemory(host.hypervisorPid)?.pssBytes ?? 0;
    const names = Array.from({ length: guests }, (_, i) => `scale-${guests}-${i + 1}-${process.pid}`);
    const started = performance.now();
    const settled = await Promise.allSettled(
      names.map((name) =>
        Reader.start("shared", { hypervisorUrl: host.url, transport: "shm" }, name, PAGES_HELD),
      ),
    );
    const mountedMs = performance.now() - started;
    const readers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    try {
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (failed) throw failed.reason;
      const pids = await pidsByEnv(names.map((name) => `XEN_DOMAIN_NAME=${name}`));
      if (pids.size !== guests)
        throw new Error(`found ${pids.size} of the ${guests} guest processes in /proc`);
      const guestPssBytes = [...pids.values()].reduce(
        (sum, pid) => sum + (procMemory(pid)?.pssBytes ?? 0),
        0,
      );
      const hypervisorGrowthBytes = (procMemory(host.hypervisorPid)?.pssBytes ?? 0) - hypervisorBefore;
      const reads = [];
      for (let r = 0; r < sizes.repeats; r++) reads.push(await readAllAtOnce(readers, file));
      const point = { guests, mountedMs, guestPssBytes, hypervisorGrowthBytes, reads };
      console.log(
        `  ${guests} guests: mounted in ${(mountedMs / 1000).toFixed(1)} s, ` +
          `${(guestPssBytes / guests / 2 ** 20).toFixed(1)} MiB Pss per guest, hypervisor ` +
          `+${(hypervisorGrowthBytes / guests / 2 ** 20).toFixed(2)} MiB per guest, fairness ` +
          `${median(reads.map((x) => jainIndex(x.perGuest))).toFixed(3)}`,
      );
      return point;
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
    }
  } finally {
    await host.stop();
  }
}

async function readAllAtOnce(
  readers: readonly Reader[],
  file: FileRef,
): Promise<{ perGuest: number[]; aggregate: number }> {
  const start = performance.now();
  const done = await Promise.all(
    readers.map(async (reader) => {
      const bytes = await reader.whole(file, CHUNK_BYTES);
      return { bytes, seconds: (performance.now() - start) / 1000 };
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const total = done.reduce((sum, d) => sum + d.bytes, 0);
  return { perGuest: done.map((d) => d.bytes / 1e6 / d.seconds), aggregate: total / 1e6 / seconds };
}

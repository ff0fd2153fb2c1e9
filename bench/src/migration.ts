// Live migration (docs/migration.md#migrate): a guest process holding 64 MiB of its own frames
// moved between two hypervisor processes with `xl migrate`, idle and while it rewrites 10% of its
// frames a second. Rows: the total time, the downtime as the guest sees it (the longest a request
// of its waited), pages sent per round, and the raw transfer time of its frames over a WebSocket
// (pages × 4 KiB / raw WebSocket throughput, calibrated in the same run), the stream's floor.
// MIGRATION_BENCH_MIB sets a smaller guest for a smoke run.
import { fileURLToPath } from "node:url";
import { calibrate, type ResultRow, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { CLUSTER_TOKEN, JsonLinesProcess, startHypervisorProcess } from "@xenfs/testkit";
import { migrateWithXl, migrationRecords, type Stats, untilMoved } from "./migration/run.js";

const GUEST_MIB = Number(process.env["MIGRATION_BENCH_MIB"] ?? "64");
const SCENARIOS = [
  { label: "idle", dirtyPercent: 0 },
  { label: "writing 10%/s", dirtyPercent: 10 },
] as const;

/** Targets (issue 13): idle downtime ≤ 100 ms; a live migration's total ≤ 3× the raw transfer time. */
const IDLE_DOWNTIME_MS = 100;
const TOTAL_VS_RAW = 3;

export async function runMigrationBench(resultsDir: string): Promise<WrittenReport> {
  const calibration = await calibrate();
  const frames = (GUEST_MIB * 1024 * 1024) / XEN_PAGE_SIZE;
  const rawMs = ((frames * XEN_PAGE_SIZE) / (calibration.wsThroughput.mbPerSec * 1e6)) * 1000;
  const rows: ResultRow[] = [
    { name: `raw transfer of ${GUEST_MIB} MiB (pages × 4 KiB / raw WebSocket)`, value: rawMs, unit: "ms" },
  ];
  const env = { XEN_MEMORY_MB: 2 * GUEST_MIB + 64, XEN_HYPERCALL_RATE: 0 };
  for (const scenario of SCENARIOS) {
    const a = await startHypervisorProcess(env);
    const b = await startHypervisorProcess(env);
    const name = `bench-migrant-${scenario.dirtyPercent}`;
    const guest = JsonLinesProcess.start(name, "bench/src/migration/guest-main.ts", {
      XEN_HYPERVISOR_URL: a.url,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      GUEST_NAME: name,
      GUEST_MIB: String(GUEST_MIB),
      DIRTY_PERCENT: String(scenario.dirtyPercent),
    });
    try {
      await guest.event("ready", 300_000);
      // A second of the workload first, then the stall counter starts clean.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      guest.send({ cmd: "stats" });
      await guest.event<Stats>("stats");
      const moved = await migrateWithXl(name, a, b);
      const stats = await untilMoved(guest, b);
      const { departure, arrival } = await migrationRecords(a, b);
      const pages = departure.rounds.reduce((n, r) => n + r.pages, 0);
      const label = `${GUEST_MIB} MiB ${scenario.label}`;
      rows.push(
        {
          name: `${label}: total`,
          value: moved.ms,
          unit: "ms",
          ...(scenario.dirtyPercent > 0
            ? { target: { op: "<=", value: TOTAL_VS_RAW * rawMs } as const }
            : {}),
        },
        {
          name: `${label}: downtime (longest stall a guest request sees)`,
          value: stats.longestStallMs,
          unit: "ms",
          ...(scenario.dirtyPercent === 0 ? { target: { op: "<=", value: IDLE_DOWNTIME_MS } as const } : {}),
        },
        { name: `${label}: suspended on the source`, value: departure.suspendedMs ?? 0, unit: "ms" },
        {
          name: `${label}: restored until the process attached`,
          value: arrival.attachedAfterMs ?? 0,
          unit: "ms",
        },
        { name: `${label}: pages sent`, value: pages, unit: "pages" },
        ...departure.rounds.map((r) => ({
          name: `${label}: round ${r.round}${r.suspended ? " (suspended)" : ""}`,
          value: r.pages,
          unit: "pages",
        })),
      );
    } finally {
      await guest.kill();
      await Promise.all([a.stop(), b.stop()]);
    }
  }
  const written = await writeReport({ suite: "migration", calibration, rows }, resultsDir);
  console.log(written.table);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runMigrationBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}

// Remus (docs/remus.md): what a checkpoint costs and what output commit adds to a write.
// Two hypervisor processes; a guest (this process) writes a slot of its own frames every
// WRITE_GAP_MS and acknowledges each through remus.commit() — first unprotected, then under
// `xl remus` with the default 50 ms interval. Rows: write latency (issued → acknowledged) p50
// without and with Remus, the latency Remus adds (target ≤ 2 checkpoint intervals), how long the
// guest is held per checkpoint, the period checkpoints actually come at, and octets per checkpoint.
// REMUS_BENCH_MS sets how long each repeat writes (default 3000).
import { fileURLToPath } from "node:url";
import { calibrate, measure, type ResultRow, rowOf, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { CLUSTER_TOKEN, DOM0_TOKEN, type HypervisorProcess, startHypervisorProcess } from "@xenfs/testkit";
import { BENCH_HYPERVISOR_ENV } from "./hypervisor-env.js";

const INTERVAL_MS = 50;
const FRAMES = 256;
const WRITE_GAP_MS = 2;
const SLOT = 8;

interface PrimaryStatus {
  committed: number;
  totals: { pages: number; bytes: number; pausedMs: number };
}

async function remusApi<T>(hv: HypervisorProcess, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${hv.httpUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Writes for `ms`, one slot every WRITE_GAP_MS, each acknowledged through output commit. */
async function writeLoad(guest: XenDomain, gpfns: number[], ms: number, record: (ms: number) => void) {
  const until = performance.now() + ms;
  const acks: Promise<void>[] = [];
  let slot = 0;
  while (performance.now() < until) {
    const at = slot * SLOT;
    const gpfn = gpfns[Math.floor(at / XEN_PAGE_SIZE) % gpfns.length]!;
    const issued = performance.now();
    await guest.memory.write(gpfn, at % XEN_PAGE_SIZE, Uint8Array.of(slot & 0xff, 1, 2, 3, 4, 5, 6, 7));
    acks.push(guest.remus.commit().then(() => record(performance.now() - issued)));
    slot++;
    await new Promise((resolve) => setTimeout(resolve, WRITE_GAP_MS));
  }
  await Promise.all(acks);
  return { ops: slot, bytes: slot * SLOT };
}

export async function runRemusBench(resultsDir: string): Promise<WrittenReport> {
  const loadMs = Number(process.env["REMUS_BENCH_MS"] ?? 3_000);
  const calibration = await calibrate();
  const a = await startHypervisorProcess(BENCH_HYPERVISOR_ENV);
  const b = await startHypervisorProcess(BENCH_HYPERVISOR_ENV);
  const rows: ResultRow[] = [];
  let guest: XenDomain | undefined;
  try {
    guest = await XenDomain.join({ url: a.url, token: CLUSTER_TOKEN, name: "remus-bench" });
    const gpfns = await guest.memory.populatePhysmap(FRAMES);
    const g = guest;
    const plain = await measure("write + ack, no Remus", (ctx) => writeLoad(g, gpfns, loadMs, ctx.record), {
      repeats: 3,
    });
    await remusApi(a, `/api/remus/${guest.domid}`, {
      method: "POST",
      body: JSON.stringify({
        backup: b.httpUrl,
        token: DOM0_TOKEN,
        attachUrl: b.url,
        intervalMs: INTERVAL_MS,
        heartbeatMs: 10 * INTERVAL_MS,
      }),
    });
    const startedAt = performance.now();
    const before = (await remusApi<{ primaries: PrimaryStatus[] }>(a, "/api/remus")).primaries[0]!;
    const remus = await measure(
      `write + ack, Remus every ${INTERVAL_MS} ms`,
      (ctx) => writeLoad(g, gpfns, loadMs, ctx.record),
      { repeats: 3 },
    );
    const after = (await remusApi<{ primaries: PrimaryStatus[] }>(a, "/api/remus")).primaries[0]!;
    const elapsedMs = performance.now() - startedAt;
    const checkpoints = after.committed - before.committed;
    const plainRow = rowOf(plain, "p50Ms", { name: "write + ack p50, no Remus" });
    const remusRow = rowOf(remus, "p50Ms", { name: `write + ack p50, Remus (${INTERVAL_MS} ms)` });
    rows.push(
      plainRow,
      remusRow,
      {
        name: "latency Remus adds, p50",
        value: remusRow.value - plainRow.value,
        unit: "ms",
        target: { op: "<=", value: 2 * INTERVAL_MS },
      },
      {
        name: "guest held per checkpoint (mean)",
        value: (after.totals.pausedMs - before.totals.pausedMs) / Math.max(1, checkpoints),
        unit: "ms",
      },
      {
        name: `checkpoint period (interval ${INTERVAL_MS} ms)`,
        value: elapsedMs / Math.max(1, checkpoints),
        unit: "ms",
      },
      {
        name: "octets per checkpoint (mean)",
        value: (after.totals.bytes - before.totals.bytes) / Math.max(1, checkpoints),
        unit: "B",
      },
    );
    await remusApi(a, `/api/remus/${guest.domid}`, { method: "DELETE" });
  } finally {
    await guest?.close();
    await a.stop();
    await b.stop();
  }
  const written = await writeReport({ suite: "remus", calibration, rows }, resultsDir);
  console.log(written.table);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runRemusBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}

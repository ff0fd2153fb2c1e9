// The echo device (@xenfs/echo): requests/s with many in flight and the latency of one
// request at a time, between a dom0 process and a guest process through a hypervisor process,
// beside the raw WebSocket round trip measured in the same run.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { calibrate, measure, type ResultRow, rowOf, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import {
  type EchoProcess,
  type FromDom0,
  type FromGuest,
  nextMessage,
  spawnEcho,
  type ToGuest,
  type WorkloadResult,
  type WorkloadSpec,
} from "@xenfs/echo";
import { CLUSTER_TOKEN, DOM0_TOKEN, type HypervisorProcess, startHypervisorProcess } from "@xenfs/testkit";
import { BENCH_HYPERVISOR_ENV } from "./hypervisor-env.js";

/** The guest sets up the largest ring the backend offers: 16 pages, 1,024 slots (blkif's order 4). */
const RING_PAGE_ORDER = "4";
const BATCH: WorkloadSpec = { requests: 20_000, inflight: 1_024, payloadBytes: 48 };
const SERIAL: WorkloadSpec = { requests: 2_000, inflight: 1, payloadBytes: 48, latency: true };

function startEcho(which: EchoProcess, hv: HypervisorProcess): ChildProcess {
  return spawnEcho(which, {
    url: hv.url,
    dom0Token: DOM0_TOKEN,
    clusterToken: CLUSTER_TOKEN,
    name: "echo-bench",
    env: { ECHO_MAX_RING_PAGE_ORDER: RING_PAGE_ORDER },
  });
}

function next<T extends FromGuest | FromDom0>(child: ChildProcess, type: T["type"]): Promise<T> {
  return nextMessage<T>(child, (m) => m.type === type);
}

async function run(guest: ChildProcess, spec: WorkloadSpec): Promise<WorkloadResult> {
  const reply = next<Extract<FromGuest, { type: "result" }>>(guest, "result");
  guest.send({ type: "run", spec } satisfies ToGuest);
  const { result } = await reply;
  if (result.answered !== spec.requests || result.wrong > 0) {
    throw new Error(`echo went wrong: ${JSON.stringify({ ...result, latenciesMs: undefined })}`);
  }
  return result;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

export async function runEchoBench(resultsDir: string): Promise<WrittenReport> {
  const calibration = await calibrate();
  const hv = await startHypervisorProcess(BENCH_HYPERVISOR_ENV);
  const dom0 = startEcho("dom0", hv);
  const guest = startEcho("guest", hv);
  const rows: ResultRow[] = [];
  try {
    await Promise.all([next(dom0, "ready"), next(guest, "ready")]);
    const frames = await hv.framesUsed();
    const batched = await measure("echo batched", async () => {
      await run(guest, BATCH);
      return { ops: BATCH.requests, bytes: BATCH.requests * (BATCH.payloadBytes ?? 0) };
    });
    const serial = await measure("echo one at a time", async (ctx) => {
      const result = await run(guest, SERIAL);
      for (const ms of result.latenciesMs) ctx.record(ms);
      return { ops: SERIAL.requests };
    });
    const batchedRow = rowOf(batched, "opsPerSec", { frames, target: { op: ">=", value: 100_000 } });
    rows.push(
      batchedRow,
      // Per request, amortised: the batched rate as a fraction of one raw round trip.
      {
        name: "echo batched, ms per request",
        value: 1_000 / batchedRow.value,
        unit: "ms",
        calibration: "wsRoundTrip",
        frames,
      },
      rowOf(serial, "p50Ms", {
        name: "echo one at a time p50",
        calibration: "wsRoundTrip",
        frames,
        target: { op: "<=", value: 3 * calibration.wsRoundTrip.p50Ms },
      }),
    );
  } finally {
    await Promise.all([stop(guest), stop(dom0)]);
    await hv.stop();
  }
  const written = await writeReport({ suite: "echo", calibration, rows }, resultsDir);
  console.log(written.table);
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runEchoBench(fileURLToPath(new URL("../../results/", import.meta.url)));
}

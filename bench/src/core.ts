// The hypervisor-core suite: event channels, hypercalls, grants and memory reads against a real
// hypervisor process, each figure beside the raw WebSocket it rides on (docs/design.md#measuring).
import { calibrate, type ResultRow, type WrittenReport, writeReport } from "@xenfs/bench-kit";
import { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, startHypervisorProcess } from "@xenfs/testkit";
import { grantRows } from "./core/grant-rate.js";
import { joinGuests } from "./core/guests.js";
import { hypercallRateRows } from "./core/hypercall-rate.js";
import { memReadRows } from "./core/mem-read.js";
import { memSharingRows } from "./core/mem-sharing.js";
import { pageFlipRows } from "./core/page-flip.js";
import { pingPongRows } from "./core/ping-pong.js";
import { traceCostRows } from "./core/trace-cost.js";
import { BENCH_HYPERVISOR_ENV } from "./hypervisor-env.js";

export async function runCoreBench(resultsDir: string): Promise<WrittenReport> {
  const calibration = await calibrate();
  const hv = await startHypervisorProcess(BENCH_HYPERVISOR_ENV);
  const rows: ResultRow[] = [];
  try {
    // Crossing processes is the point here: both ends are domain processes of their own.
    rows.push(...(await pingPongRows(hv, calibration)));
    // Rates: this process drives, as dom0 and as a few guests.
    const dom0 = await XenDomain.join({ url: hv.url, token: DOM0_TOKEN, name: "Domain-0" });
    const guests = await joinGuests(hv.url);
    try {
      rows.push(...(await hypercallRateRows(guests, await hv.framesUsed())));
      rows.push(...(await grantRows(dom0, guests, hv.framesUsed)));
      rows.push(...(await memReadRows(guests, calibration, hv.framesUsed)));
      rows.push(...(await pageFlipRows(dom0, guests[0]!, hv.framesUsed)));
      rows.push(...(await traceCostRows(guests, hv.httpUrl, await hv.framesUsed())));
    } finally {
      await Promise.all([dom0, ...guests].map((domain) => domain.close()));
    }
    rows.push(...(await memSharingRows(hv, hv.framesUsed)));
  } finally {
    await hv.stop();
  }
  const written = await writeReport({ suite: "core", calibration, rows }, resultsDir);
  console.log(written.table);
  return written;
}

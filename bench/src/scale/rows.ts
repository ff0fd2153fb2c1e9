// The scale suite's rows from its points: one group per N. Times and throughput carry a
// calibration ratio like the other suites; memory rows are absolute (MiB), fairness a plain index.
import { median, type ResultRow, spread } from "@xenfs/bench-kit";
import { jainIndex } from "./fairness.js";
import type { ScalePoint } from "./scale-point.js";

const MiB = 2 ** 20;
/** Jain's index the guests' read shares should reach (1 is perfectly even). */
export const FAIRNESS_TARGET = 0.9;
/** Hypervisor memory one more guest may cost, MiB. */
export const HYPERVISOR_PER_GUEST_TARGET_MIB = 2;

export function scaleRows(point: ScalePoint): ResultRow[] {
  const n = point.guests;
  const jain = point.reads.map((r) => jainIndex(r.perGuest));
  const aggregate = point.reads.map((r) => r.aggregate);
  return [
    {
      name: `${n} guests: time until all mounted`,
      value: point.mountedMs,
      unit: "ms",
      calibration: "wsRoundTrip",
    },
    { name: `${n} guests: host memory per guest (Pss)`, value: point.guestPssBytes / n / MiB, unit: "MiB" },
    {
      name: `${n} guests: hypervisor memory per guest (Pss growth)`,
      value: point.hypervisorGrowthBytes / n / MiB,
      unit: "MiB",
      target: { op: "<=", value: HYPERVISOR_PER_GUEST_TARGET_MIB },
    },
    {
      name: `${n} guests reading at once: aggregate`,
      value: median(aggregate),
      unit: "MB/s",
      spread: spread(aggregate),
      calibration: "wsThroughput",
    },
    {
      name: `${n} guests reading at once: Jain fairness`,
      value: median(jain),
      unit: "index",
      spread: spread(jain),
      target: { op: ">=", value: FAIRNESS_TARGET },
    },
  ];
}

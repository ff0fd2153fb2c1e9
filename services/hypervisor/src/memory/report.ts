// memory_report: a domain process tells the hypervisor its own real memory (Rss and Pss from
// /proc/self/smaps_rollup) and CPU time (for xl list's Time(s)), so the host's figures count every process, not only the hypervisor's
// ledger of frames. Cheap by design: checked, then kept at most once a second per domain; later
// reports within that second are accepted and ignored, so a chatty domain costs nothing.
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";

/** Byte counts above this (1 TiB) are refused: no domain process of this host is that big. */
export const MAX_REPORTED_BYTES = 2 ** 40;
/** A domain's report is kept at most this often. */
export const REPORT_INTERVAL_MS = 1_000;

export interface MemoryReport {
  readonly rssBytes: number;
  readonly pssBytes: number;
  /** The process's CPU time (user + system) in µs; 0 from a domain that does not say. */
  readonly cpuUsec: number;
  /** performance.now() when it was kept. */
  readonly at: number;
}

function checkBytes(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_REPORTED_BYTES) {
    throw errno("EINVAL", `memory_report: ${field} ${value} is not a byte count in [0, 2^40]`);
  }
}

/** CPU time above this (a year, in µs) is refused. */
export const MAX_REPORTED_CPU_USEC = 365 * 24 * 3600 * 1e6;

export const memoryReport: Handler<"memoryReport"> = (_xen, caller, args) => {
  // uint64 fields decode as Long objects wherever protobufjs finds the long package (the built
  // services do): take them as numbers, as the rest of the wire's uint64s are.
  const rssBytes = Number(args.rssBytes);
  const pssBytes = Number(args.pssBytes);
  const cpuUsec = Number(args.cpuUsec ?? 0);
  checkBytes("rss_bytes", rssBytes);
  checkBytes("pss_bytes", pssBytes);
  if (!Number.isSafeInteger(cpuUsec) || cpuUsec < 0 || cpuUsec > MAX_REPORTED_CPU_USEC) {
    throw errno("EINVAL", `memory_report: cpu_usec ${cpuUsec} is not µs in [0, a year]`);
  }
  // The kernel's Pss is Rss with each shared page divided among its mappers: never more.
  if (pssBytes > rssBytes) {
    throw errno("EINVAL", `memory_report: pss_bytes ${pssBytes} exceeds rss_bytes ${rssBytes}`);
  }
  const now = performance.now();
  const last = caller.memoryReport;
  if (last && now - last.at < REPORT_INTERVAL_MS) return undefined;
  caller.memoryReport = { rssBytes, pssBytes, cpuUsec, at: now };
  return undefined;
};

// Every domain process tells the hypervisor its own real memory (Rss and Pss from
// /proc/self/smaps_rollup) and its CPU time (user + system, for xl list) with memory_report, at join and then periodically, so the host's
// figures (/api/memory, /metrics, xl info, the dashboard) count every process. The hypervisor
// keeps at most one report a second per domain; where /proc has no smaps_rollup nothing is sent.
import { procMemory } from "@xenfs/service-kit";
import { XenError } from "./errors.js";
import type { XenSession } from "./session.js";

export const DEFAULT_MEMORY_REPORT_MS = 2_000;

/** Refuses a bad `memoryReportMs` before anything joins. */
export function checkMemoryReportMs(intervalMs: number | undefined): void {
  if (intervalMs === undefined || (Number.isInteger(intervalMs) && intervalMs >= 0)) return;
  throw XenError.errno("EINVAL", "join", `memoryReportMs must be whole milliseconds ≥ 0, got ${intervalMs}`);
}

export class MemoryReporter {
  readonly #timer: NodeJS.Timeout | undefined;

  /** `intervalMs` 0 sends nothing. */
  constructor(
    private readonly session: XenSession,
    intervalMs: number = DEFAULT_MEMORY_REPORT_MS,
  ) {
    if (intervalMs === 0) return;
    this.#timer = setInterval(() => this.report(), intervalMs).unref();
    session.once("lost", () => this.stop()); // the domain is gone: nobody to tell
    this.report();
  }

  /** Sends the process's figures now; a report that fails is replaced by the next one. */
  report(): void {
    const memory = procMemory();
    if (!memory || !this.session.connected) return;
    const { user, system } = process.cpuUsage();
    const { rssBytes, pssBytes } = memory;
    this.session
      .call({ memoryReport: { rssBytes, pssBytes, cpuUsec: user + system } })
      .catch(() => undefined);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

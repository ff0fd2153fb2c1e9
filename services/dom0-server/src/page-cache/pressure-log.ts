// The page cache under pressure, in dom0's log. Evictions and revocations happen fill by fill, so
// logging each would be a line per request: they are summed and reported once per interval in
// which any happened.
import type { PageCacheStats } from "./page-cache.js";

/** How often the sums are reported (when there is something to report). */
export const PRESSURE_LOG_MS = 10_000;

type Counts = Pick<PageCacheStats, "evictions" | "revocations">;

export interface PressureLogger {
  info(obj: object, msg?: string): void;
}

export class CachePressureLog {
  #last: Counts;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly stats: () => PageCacheStats,
    private readonly logger: PressureLogger,
    intervalMs = PRESSURE_LOG_MS,
  ) {
    this.#last = stats();
    this.#timer = setInterval(() => this.report(), intervalMs).unref();
  }

  /** Logs the evictions and revocations since the last report, if there were any. */
  report(): void {
    const now = this.stats();
    const evicted = now.evictions - this.#last.evictions;
    const revoked = now.revocations - this.#last.revocations;
    if (evicted === 0 && revoked === 0) return;
    this.#last = now;
    this.logger.info(
      { evicted, revoked, frames: now.frames, budgetFrames: now.budgetFrames },
      `page cache: ${evicted} pages evicted to make room, ${revoked} grants revoked from guests`,
    );
  }

  /** A last report, then no more. */
  stop(): void {
    clearInterval(this.#timer);
    this.report();
  }
}

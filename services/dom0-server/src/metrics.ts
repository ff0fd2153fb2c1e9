// dom0's Prometheus metrics. The page cache keeps its own counts; they are read at scrape time.
import type { FsOp } from "@xenfs/fsproto";
import { type Counter, Registry } from "@xenfs/service-kit";
import type { GuestView } from "./backend/index.js";
import type { PageCacheStats } from "./page-cache/index.js";

export interface MetricSources {
  cache(): PageCacheStats;
  guests(): readonly GuestView[];
}

export interface Dom0Metrics {
  readonly registry: Registry;
  countRequest(op: FsOp | "undecodable"): void;
}

/** A counter that follows a count kept elsewhere (which only grows). */
function following(counter: Counter): (value: number) => void {
  let seen = 0;
  return (value) => {
    if (value > seen) counter.inc({}, value - seen);
    seen = value;
  };
}

export function createMetrics(sources: MetricSources): Dom0Metrics {
  const registry = new Registry();
  // Registered first, so it renders first: each scrape reads the cache's counts once and brings
  // the counters below up to date before they render.
  registry.gauge("xenfs_page_cache_frames", "dom0 frames holding cached pages", [], (gauge) => {
    const stats = sources.cache();
    gauge.set(stats.frames);
    for (const [update, read] of followed) update(read(stats));
  });
  const counter = (name: string, help: string, read: (stats: PageCacheStats) => number) =>
    [following(registry.counter(name, help)), read] as const;
  const followed = [
    counter("xenfs_page_cache_hits_total", "Page-cache lookups served from a cached frame", (s) => s.hits),
    counter("xenfs_page_cache_misses_total", "Page-cache lookups filled from disk", (s) => s.misses),
    counter(
      "xenfs_page_cache_evictions_total",
      "Pages evicted to stay within the budget",
      (s) => s.evictions,
    ),
    counter("xenfs_page_cache_revocations_total", "Grants revoked from guests", (s) => s.revocations),
  ];
  registry.gauge("xenfs_page_cache_budget_frames", "The page cache's budget (XENFS_CACHE_MB)", [], (gauge) =>
    gauge.set(sources.cache().budgetFrames),
  );
  registry.gauge("xenfs_guests", "Guests with a connected XenFS frontend", [], (gauge) =>
    gauge.set(sources.guests().length),
  );
  const requests = registry.counter("xenfs_requests_total", "XenFS requests served, by op", ["op"]);
  return { registry, countRequest: (op) => requests.inc({ op }) };
}

// The guest's Prometheus metrics: counters bumped as the mount works, pages held on scrape.
import { Registry } from "@xenfs/service-kit";
import type { MountObserver } from "../mount/counters.js";

export interface ClientMetrics {
  readonly registry: Registry;
  readonly observer: MountObserver;
  /** Attaches the scrape-time gauge. */
  observe(pagesHeld: () => number): void;
}

export function createMetrics(): ClientMetrics {
  const registry = new Registry();
  const bytesRead = registry.counter("xenfs_client_bytes_read_total", "File bytes read through the mount.");
  const requests = registry.counter("xenfs_client_requests_total", "XenFS requests made, by op.", ["op"]);
  return {
    registry,
    observer: {
      request: (op) => requests.inc({ op }),
      bytesRead: (bytes) => bytesRead.inc({}, bytes),
    },
    observe(pagesHeld) {
      registry.gauge(
        "xenfs_client_pages_held",
        "Frames of file data the guest holds: mapped from dom0 (shared) or its own (copy).",
        [],
        (g) => g.set(pagesHeld()),
      );
    },
  };
}

// The hypervisor's Prometheus metrics. Memory and domain gauges are computed on scrape from the
// live state; counters are bumped where the thing happens.
import { Registry } from "@xenfs/service-kit";
import type { Xen } from "../xen.js";

export interface HypervisorMetrics {
  readonly registry: Registry;
  readonly counters: {
    readonly hypercalls: ReturnType<Registry["counter"]>;
    readonly evtchnSends: ReturnType<Registry["counter"]>;
  };
  /** Attaches the scrape-time gauges to the hypervisor state. */
  observe(xen: Xen): void;
}

export function createMetrics(): HypervisorMetrics {
  const registry = new Registry();
  const counters = {
    hypercalls: registry.counter("xen_hypercalls_total", "Hypercalls served, by op.", ["op"]),
    evtchnSends: registry.counter(
      "xen_evtchn_sends_total",
      "Event-channel sends on bound interdomain ports.",
    ),
  };
  return {
    registry,
    counters,
    observe(xen) {
      const { pool, domains } = xen;
      registry.gauge("xen_memory_frames_total", "Machine frames (4096 bytes each).", [], (g) =>
        g.set(pool.total),
      );
      registry.gauge("xen_memory_frames_used", "Machine frames allocated.", [], (g) => g.set(pool.used));
      registry.gauge(
        "xen_memory_frames_shared",
        "Frames mapped by a domain other than their owner.",
        [],
        (g) => g.set(pool.shared),
      );
      registry.gauge("xen_domains", "Domains known, live or zombie.", [], (g) => g.set(domains.all().length));
      registry.gauge("xen_grant_maps_active", "Grant mappings in place.", [], (g) =>
        g.set(domains.all().reduce((n, d) => n + d.maptrack.size, 0)),
      );
      registry.gauge("xen_domain_frames", "Frames owned, per domain.", ["domid", "name"], (g) => {
        for (const d of domains.all()) g.set(d.owned.size, { domid: d.domid, name: d.name });
      });
    },
  };
}

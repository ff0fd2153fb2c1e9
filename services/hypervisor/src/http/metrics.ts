// The hypervisor's Prometheus metrics. Memory and domain gauges are computed on scrape from the
// live state; counters are bumped where the thing happens.
import { Registry } from "@xenfs/service-kit";
import type { HostMemory } from "../memory/host-memory.js";
import type { Xen } from "../xen.js";

export interface HypervisorMetrics {
  readonly registry: Registry;
  readonly counters: {
    readonly hypercalls: ReturnType<Registry["counter"]>;
    readonly evtchnSends: ReturnType<Registry["counter"]>;
  };
  /** Attaches the scrape-time gauges to the hypervisor state and the host's real memory. */
  observe(xen: Xen, host: () => HostMemory): void;
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
    observe(xen, host) {
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
      registry.gauge("xen_trace_feeds", "Trace feeds open (tracing is off at 0).", [], (g) =>
        g.set(xen.trace.subscribers),
      );
      registry.gauge("xen_domain_frames", "Frames owned, per domain.", ["domid", "name"], (g) => {
        for (const d of domains.all()) g.set(d.owned.size, { domid: d.domid, name: d.name });
      });
      observeHostMemory(registry, host);
    },
  };
}

/** Real memory: what the processes cost (Pss) and the memory file holds; see memory/host-memory.ts. */
function observeHostMemory(registry: Registry, host: () => HostMemory): void {
  const perDomain = (name: string, help: string, field: "rssBytes" | "pssBytes") =>
    registry.gauge(name, help, ["domid", "name"], (g) => {
      for (const d of host().domains) g.set(d[field], { domid: d.domid, name: d.name });
    });
  perDomain("xen_domain_memory_rss_bytes", "Resident set size a domain process reported.", "rssBytes");
  perDomain("xen_domain_memory_pss_bytes", "Proportional set size a domain process reported.", "pssBytes");
  registry.gauge(
    "xen_hypervisor_memory_rss_bytes",
    "The hypervisor process's resident set size.",
    [],
    (g) => {
      const self = host().hypervisor;
      if (self) g.set(self.rssBytes);
    },
  );
  registry.gauge(
    "xen_hypervisor_memory_pss_bytes",
    "The hypervisor process's proportional set size.",
    [],
    (g) => {
      const self = host().hypervisor;
      if (self) g.set(self.pssBytes);
    },
  );
  // Only with a memory file (known at start): without one the gauge is absent, not a false 0.
  if (host().memoryFile) {
    registry.gauge(
      "xen_memory_file_resident_bytes",
      "Bytes of the machine-memory file in memory (tmpfs blocks allocated).",
      [],
      (g) => g.set(host().memoryFile?.residentBytes ?? 0),
    );
  }
  registry.gauge(
    "xen_host_memory_bytes",
    "Host memory in real terms: hypervisor Pss + Pss reported by domains + memory file resident.",
    [],
    (g) => g.set(host().totalBytes),
  );
}

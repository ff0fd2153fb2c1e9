import { describe, expect, it } from "vitest";
import { MetricError, Registry } from "./metrics.js";

describe("Registry", () => {
  it("renders HELP, TYPE and samples in text format 0.0.4", () => {
    const registry = new Registry();
    const calls = registry.counter("xen_hypercalls_total", "Hypercalls served.", ["op"]);
    const frames = registry.gauge("xen_memory_frames_used", "Frames in use.");
    calls.inc({ op: "evtchn_send" });
    calls.inc({ op: "evtchn_send" }, 2);
    calls.inc({ op: "mem_read" });
    frames.set(42);
    expect(registry.render()).toBe(
      [
        "# HELP xen_hypercalls_total Hypercalls served.",
        "# TYPE xen_hypercalls_total counter",
        'xen_hypercalls_total{op="evtchn_send"} 3',
        'xen_hypercalls_total{op="mem_read"} 1',
        "# HELP xen_memory_frames_used Frames in use.",
        "# TYPE xen_memory_frames_used gauge",
        "xen_memory_frames_used 42",
        "",
      ].join("\n"),
    );
  });

  it("escapes label values and help text", () => {
    const registry = new Registry();
    registry.gauge("g", 'a \\ b\nc "q"', ["name"]).set(1, { name: 'x"y\\z\nw' });
    expect(registry.render()).toContain('# HELP g a \\\\ b\\nc "q"');
    expect(registry.render()).toContain('g{name="x\\"y\\\\z\\nw"} 1');
  });

  it("computes collect-callback gauges on every scrape and drops vanished label sets", () => {
    const registry = new Registry();
    let domains = [0, 1, 2];
    registry.gauge("xen_domain_frames", "Frames per domain.", ["domid"], (g) => {
      for (const domid of domains) g.set(domid * 10, { domid });
    });
    expect(registry.render()).toContain('xen_domain_frames{domid="2"} 20');
    domains = [0];
    expect(registry.render()).not.toContain('domid="2"');
  });

  it("renders an unlabelled metric with no samples as 0, and special values", () => {
    const registry = new Registry();
    registry.counter("x_total", "x");
    registry.gauge("y", "y").set(Number.POSITIVE_INFINITY);
    expect(registry.render()).toContain("x_total 0");
    expect(registry.render()).toContain("y +Inf");
  });

  it("refuses bad names, wrong labels, decreasing counters and duplicates", () => {
    const registry = new Registry();
    expect(() => registry.counter("xen_sends", "no _total")).toThrow(MetricError);
    expect(() => registry.gauge("1bad", "x")).toThrow(MetricError);
    expect(() => registry.gauge("ok", "x", ["__reserved"])).toThrow(MetricError);
    const c = registry.counter("c_total", "c", ["op"]);
    expect(() => c.inc({ wrong: "x" })).toThrow(MetricError);
    expect(() => c.inc({ op: "x" }, -1)).toThrow(MetricError);
    expect(() => registry.counter("c_total", "again")).toThrow(/already registered/);
    expect(registry.render()).not.toContain('op="x"');
  });
});

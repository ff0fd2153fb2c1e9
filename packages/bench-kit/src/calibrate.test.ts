import { describe, expect, it } from "vitest";
import { calibrate } from "./calibrate.js";

describe("calibrate", () => {
  it("measures all three yardsticks in one short run, each positive and finite", async () => {
    const c = await calibrate({
      roundTrips: 50,
      warmupRoundTrips: 5,
      throughputBytes: 1024 * 1024,
      memcpyBytes: 4 * 1024 * 1024,
    });
    expect(c.node).toBe(process.version);
    expect(Number.isNaN(Date.parse(c.at))).toBe(false);
    expect(c.wsRoundTrip.samples).toBe(50);
    expect(c.wsRoundTrip.messageBytes).toBe(64);
    expect(c.wsRoundTrip.p50Ms).toBeLessThanOrEqual(c.wsRoundTrip.p99Ms);
    expect(c.wsThroughput.bytes).toBe(1024 * 1024);
    expect(c.memcpy4k.bytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    const figures = [c.wsRoundTrip.p50Ms, c.wsRoundTrip.p99Ms, c.wsThroughput.mbPerSec, c.memcpy4k.mbPerSec];
    for (const figure of figures) {
      expect(Number.isFinite(figure)).toBe(true);
      expect(figure).toBeGreaterThan(0);
    }
  });
});

import { describe, expect, it } from "vitest";
import { measure } from "./measure.js";

describe("measure", () => {
  it("runs warm-up then measured repeats, in order, and pools the recorded latencies", async () => {
    const seen: number[] = [];
    const m = await measure(
      "fixed",
      (ctx) => {
        seen.push(ctx.repeat);
        for (let i = 1; i <= 10; i++) ctx.record(ctx.repeat * 100 + i);
        return { ops: 10, bytes: 4096 };
      },
      { repeats: 3, warmup: 2 },
    );
    expect(seen).toEqual([-2, -1, 0, 1, 2]);
    expect(m.repeats).toBe(3);
    // Warm-up samples (negative) are dropped; the rest are 1..10, 101..110, 201..210.
    expect(m.latency).toMatchObject({ samples: 30, minMs: 1, maxMs: 210, p50Ms: 105, p99Ms: 210 });
    expect(m.mbPerSec).toBeDefined();
    for (const s of [m.seconds, m.opsPerSec, m.mbPerSec!]) {
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
      expect(s.iqr).toBeGreaterThanOrEqual(0);
    }
  });

  it("derives ops/s and MB/s from the work and the repeat's wall time", async () => {
    const m = await measure("sleep", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { ops: 50, bytes: 2e6 };
    });
    // bytes/ops is fixed, so the ratio of the two rates is too, whatever the timing.
    expect(m.mbPerSec!.median / m.opsPerSec.median).toBeCloseTo(2e6 / 1e6 / 50, 9);
    expect(m.opsPerSec.median).toBeCloseTo(50 / m.seconds.median, 6);
  });

  it("times operations through the context and omits what was not reported", async () => {
    const m = await measure(
      "timed",
      async (ctx) => {
        const value = await ctx.time(async () => 42);
        expect(value).toBe(42);
        return { ops: 1 };
      },
      { repeats: 4, warmup: 0 },
    );
    expect(m.latency?.samples).toBe(4);
    expect(m.mbPerSec).toBeUndefined();
    const bare = await measure("bare", () => ({ ops: 1 }), { repeats: 1 });
    expect(bare.latency).toBeUndefined();
  });

  it("refuses zero repeats or a negative warm-up", async () => {
    await expect(measure("x", () => ({ ops: 1 }), { repeats: 0 })).rejects.toThrow(RangeError);
    await expect(measure("x", () => ({ ops: 1 }), { warmup: -1 })).rejects.toThrow(RangeError);
  });
});

import { describe, expect, it } from "vitest";
import { CrashHistory, DEFAULT_RESTART_POLICY } from "./restart-policy.js";

describe("CrashHistory", () => {
  it("doubles the delay per crash in the window, up to the cap", () => {
    const history = new CrashHistory(DEFAULT_RESTART_POLICY);
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => history.delayMs(n))).toEqual([
      200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it("allows five restarts within a minute and refuses the sixth crash", () => {
    const history = new CrashHistory(DEFAULT_RESTART_POLICY);
    const counts = [0, 1000, 2000, 3000, 4000, 5000].map((t) => history.record(t));
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(counts.map((n) => history.allows(n))).toEqual([true, true, true, true, true, false]);
  });

  it("forgets crashes older than the window", () => {
    const history = new CrashHistory({ ...DEFAULT_RESTART_POLICY, windowMs: 10_000 });
    history.record(0);
    history.record(5_000);
    expect(history.record(12_000)).toBe(2);
    expect(history.record(30_000)).toBe(1);
  });
});

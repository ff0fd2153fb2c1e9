// `pnpm chaos smoke` in the default suite: a few seconds of writes and reads across two guest
// processes (writers in place, a renamer over) under disk and message faults, then every invariant checked.
import { describe, expect, it } from "vitest";
import { loadScenario } from "./main.js";
import { runScenario } from "./run.js";
import { summary, totals } from "./summary.js";

describe("the smoke scenario", () => {
  it("runs under its faults with no violation", async () => {
    const result = await runScenario(await loadScenario("smoke"));
    const t = totals(result);
    expect(result.violations, summary(result)).toEqual([]);
    expect(t.acknowledged).toBeGreaterThan(20);
    // The renamer's atomic replaces went through the guest's rename route.
    expect(result.ops.filter((op) => op.kind === "rename" && op.outcome === "ok").length).toBeGreaterThan(0);
    // The disk fault was in force and its errno reached the workload.
    expect(t.refused).toHaveProperty("EIO");
    expect(result.faults.every((f) => f.skipped === undefined)).toBe(true);
  }, 120_000);
});

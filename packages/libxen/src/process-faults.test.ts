import { describe, expect, it } from "vitest";
import { ProcessFaults, splitOwnFaults } from "./process-faults.js";

describe("a domain's process faults", () => {
  it("crash_after counts the hypercalls issued from when it was set", () => {
    const faults = new ProcessFaults();
    faults.set("crash_after=3");
    expect(["memRead", "xs", "evtchnSend"].map((op) => faults.count(op))).toEqual([
      undefined,
      undefined,
      "crash_after reached its count",
    ]);
  });

  it("crash_at matches the op by its snake_case name; set again replaces, empty clears", () => {
    const faults = new ProcessFaults();
    faults.set("crash_at=gnttab_map_grant_ref,crash_after=100");
    expect(faults.count("gnttabUnmapGrantRef")).toBeUndefined();
    expect(faults.count("gnttabMapGrantRef")).toBe("crash_at=gnttab_map_grant_ref");
    expect(faults.spec).toBe("crash_after=98,crash_at=gnttab_map_grant_ref");
    faults.set("");
    expect(faults.count("gnttabMapGrantRef")).toBeUndefined();
    expect(faults.spec).toBe("");
  });

  it("splits a domain's XEN_FAULTS into its process's rules and its session's", () => {
    expect(splitOwnFaults("drop=0.1,crash_after=5,delay.from=2ms,crash_at=xs")).toEqual({
      process: "crash_after=5,crash_at=xs",
      session: "drop=0.1,delay.from=2ms",
    });
    expect(() => splitOwnFaults("crash_after=5@2")).toThrow(/no @domid/);
  });
});

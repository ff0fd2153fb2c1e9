import { describe, expect, it } from "vitest";
import { FaultScopeError, FaultSpecError, formatFaults, parseFaults, parseOwnFaults } from "./fault-spec.js";

describe("XEN_FAULTS grammar", () => {
  it("parses rules with values, ranges, units and @domid scopes", () => {
    expect(parseFaults("drop=0.01,delay=5..20ms,dup=0.02@3,crash_after=1000")).toEqual([
      { kind: "drop", p: 0.01 },
      { kind: "delay", minMs: 5, maxMs: 20 },
      { kind: "dup", p: 0.02, domid: 3 },
      { kind: "crash_after", n: 1000 },
    ]);
    expect(parseFaults(" delay=1s , drop=1@0 ")).toEqual([
      { kind: "delay", minMs: 1000, maxMs: 1000 },
      { kind: "drop", p: 1, domid: 0 },
    ]);
    expect(parseFaults("")).toEqual([]);
  });

  it.each([
    ["drop", /kind=value/],
    ["drop=1.5", /probability/],
    ["drop=-0.1", /probability/],
    ["drop=abc", /probability/],
    ["delay=20..5ms", /backwards/],
    ["delay=10h", /delay/],
    ["delay=999999999", /delay/],
    ["crash_after=0", /count/],
    ["crash_after=5@1", /global/],
    ["reorder=0.1", /unknown fault/],
    ["drop=0.1@99999", /domid/],
    ["drop=0.1,drop=0.2", /twice/],
  ])("refuses %j", (spec, reason) => {
    expect(() => parseFaults(spec)).toThrow(FaultSpecError);
    expect(() => parseFaults(spec)).toThrow(reason);
  });

  it("takes a domain's own faults without crash_after or @domid scopes", () => {
    expect(parseOwnFaults("drop=0.5,delay=1..2ms")).toEqual(parseFaults("drop=0.5,delay=1..2ms"));
    expect(() => parseOwnFaults("crash_after=3")).toThrow(FaultScopeError);
    expect(() => parseOwnFaults("dup=0.1@4")).toThrow(FaultScopeError);
    expect(() => parseOwnFaults("dup=2")).toThrow(FaultSpecError);
  });

  it("formats rules back to a spec that parses to the same rules", () => {
    const rules = parseFaults("drop=0.0000001,delay=5..20ms@3,dup=1,delay=2s,crash_after=9");
    expect(parseFaults(formatFaults(rules))).toEqual(rules);
  });
});

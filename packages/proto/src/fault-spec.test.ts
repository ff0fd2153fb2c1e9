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
    ["crash_after=5@1:3", /port/],
    ["bogus=0.1", /unknown fault bogus/],
    ["reorder=0.1", /reorder window/],
    ["reorder=1", /reorder window/],
    ["reorder=65", /reorder window/],
    ["drop.sideways=0.1", /direction/],
    ["crash_after.from=3", /takes no direction/],
    ["evtchn_lose.to=0.5", /takes no direction/],
    ["evtchn_lose=2@3", /probability/],
    ["evtchn_spurious=0.5:4", /probability/],
    ["evtchn_lose=0.5@3:0", /port must be/],
    ["evtchn_lose=0.5@3:4096", /port must be/],
    ["drop=0.5@3:4", /only evtchn_lose/],
    ["crash_at=gnttab_mapp", /crash_at needs a hypercall op/],
    ["crash_at=join", /crash_at needs a hypercall op/],
    ["crash_at=GnttabCopy", /crash_at needs a hypercall op/],
    ["partition=0@3", /at least 1ms/],
    ["partition=11m@3", /partition must be/],
    ["partition=700s@3", /partition must be/],
    ["drop=1@", /kind=value/],
    ["drop.from=0.1,drop.from=0.2", /twice/],
    ["evtchn_lose=0.1@2:5,evtchn_lose=0.2@2:5", /twice/],
    [`drop=${"1".repeat(5000)}`, /longer than/],
    [Array.from({ length: 65 }, (_, i) => `drop=0.1@${i}`).join(","), /more than 64 rules/],
    ["drop=0.1@99999", /domid/],
    ["drop=0.1,drop=0.2", /twice/],
  ])("refuses %j", (spec, reason) => {
    expect(() => parseFaults(spec)).toThrow(FaultSpecError);
    expect(() => parseFaults(spec)).toThrow(reason);
  });

  it("parses directions, reorder windows, event-channel, crash and partition rules", () => {
    expect(
      parseFaults(
        "drop.from=0.1@3,dup.to=0.5,delay.from=2..4ms,reorder=8@3,reorder.from=4,evtchn_lose=0.5@3:7,evtchn_spurious=1@2",
      ),
    ).toEqual([
      { kind: "drop", p: 0.1, dir: "from", domid: 3 },
      { kind: "dup", p: 0.5 },
      { kind: "delay", minMs: 2, maxMs: 4, dir: "from" },
      { kind: "reorder", window: 8, domid: 3 },
      { kind: "reorder", window: 4, dir: "from" },
      { kind: "evtchn_lose", p: 0.5, domid: 3, port: 7 },
      { kind: "evtchn_spurious", p: 1, domid: 2 },
    ]);
    expect(
      parseFaults("crash_after=5@1,crash_at=gnttab_map_grant_ref@0,crash_at=evtchn_send,partition=2s@4"),
    ).toEqual([
      { kind: "crash_after", n: 5, domid: 1 },
      { kind: "crash_at", op: "gnttab_map_grant_ref", domid: 0 },
      { kind: "crash_at", op: "evtchn_send" },
      { kind: "partition", ms: 2000, domid: 4 },
    ]);
    // The same kind in each direction, or on another port, is another scope.
    expect(
      parseFaults("drop=0.1,drop.from=0.2,evtchn_lose=1@2:5,evtchn_lose=1@2:6,evtchn_lose=1@2"),
    ).toHaveLength(5);
  });

  it("takes a domain's own faults, crash rules included, without @domid scopes", () => {
    expect(parseOwnFaults("drop=0.5,delay=1..2ms")).toEqual(parseFaults("drop=0.5,delay=1..2ms"));
    expect(parseOwnFaults("crash_after=3,crash_at=evtchn_send,partition=1s,evtchn_lose=0.5")).toHaveLength(4);
    expect(() => parseOwnFaults("dup=0.1@4")).toThrow(FaultScopeError);
    expect(() => parseOwnFaults("crash_after=3@4")).toThrow(
      /crash_after@4: a domain's own faults take no @domid/,
    );
    expect(() => parseOwnFaults("dup=2")).toThrow(FaultSpecError);
  });

  it("formats rules back to a spec that parses to the same rules", () => {
    const rules = parseFaults("drop=0.0000001,delay=5..20ms@3,dup=1,delay=2s,crash_after=9");
    expect(parseFaults(formatFaults(rules))).toEqual(rules);
    const more = parseFaults(
      "drop.from=0.25@3,delay.from=1..3ms,reorder=4@2,reorder.from=2,evtchn_lose=0.5@3:7,evtchn_spurious=0.1@1,crash_after=2@5,crash_at=xs@0,crash_at=evtchn_send,partition=1500ms@6",
    );
    expect(parseFaults(formatFaults(more))).toEqual(more);
    expect(formatFaults(more)).toContain("evtchn_lose=0.5@3:7");
  });
});

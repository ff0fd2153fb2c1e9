// The set's table: a row per scenario and a total over them, counted from the runs themselves.
import { describe, expect, it } from "vitest";
import type { Violation } from "./checker.js";
import type { Operation } from "./history.js";
import type { RunResult } from "./run.js";
import { parseScenario } from "./scenario.js";
import { opsPerSecondDuring, setSummary } from "./summary.js";

const scenario = (name: string) =>
  parseScenario({
    name,
    description: "by hand",
    duration: "1s",
    host: { guests: 1 },
    workload: { writers: 1, readers: 1, keysPerWriter: 1, fileBytes: 100, deadline: "1s" },
    schedule: [],
  });

const op = (outcome: Operation["outcome"], end = 1): Operation => ({
  kind: "write",
  actor: "w",
  guest: 0,
  key: "k",
  version: 1,
  start: 0,
  end,
  outcome,
});

const ok = (n: number) => Array.from({ length: n }, () => op("ok"));

const run = (name: string, runMs: number, ops: Operation[], violations: Violation[]): RunResult => ({
  scenario: scenario(name),
  ops,
  faults: [],
  violations,
  runMs,
  crashes: [],
});

describe("the set's summary", () => {
  it("totals operations, time and violations over the scenarios", () => {
    const text = setSummary([
      run("a", 60_000, [...ok(120), op("refused")], []),
      run(
        "b",
        120_000,
        [...ok(60), op("failed")],
        [
          { kind: "lost", detail: "x" },
          { kind: "hung", detail: "y" },
        ],
      ),
    ]);
    const rows = text.split("\n").map((line) => line.split(/\s+/));
    expect(rows[0]).toEqual([
      "scenario",
      "run",
      "ops",
      "acked",
      "ops/s",
      "lost",
      "stale",
      "hung",
      "violations",
    ]);
    expect(rows[1]).toEqual(["a", "60s", "121", "120", "2", "0", "0", "0", "0"]);
    expect(rows[2]).toEqual(["b", "120s", "61", "60", "0.5", "1", "0", "1", "2"]);
    expect(rows[3]).toEqual(["total", "3.0min", "182", "180", "1", "1", "0", "1", "2"]);
  });
});

describe("ops/s under a fault", () => {
  it("counts the acknowledged operations that ended while it was in force", () => {
    const event = parseScenario({
      name: "f",
      description: "by hand",
      duration: "10s",
      host: { guests: 1 },
      workload: { writers: 1, readers: 1, keysPerWriter: 1, fileBytes: 100, deadline: "1s" },
      schedule: [{ at: "1s", kind: "disk", spec: "slow_fsync=10ms", for: "2s" }],
    }).schedule[0]!;
    const ops = [
      op("ok", 999), // before
      ...Array.from({ length: 30 }, (_, i) => op("ok", 1000 + i * 50)), // within: 30 in 2 s
      op("refused", 1500),
      op("ok", 3000), // after (the window is [began, ended))
    ];
    expect(opsPerSecondDuring({ event, began: 1000, ended: 3000 }, ops)).toBe(15);
    expect(opsPerSecondDuring({ event }, ops)).toBeUndefined();
    expect(opsPerSecondDuring({ event, skipped: "the run ended first" }, ops)).toBeUndefined();
  });
});

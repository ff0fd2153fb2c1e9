import { describe, expect, it } from "vitest";
import { loadScenario, scenarioNames } from "./main.js";
import { parseScenario, parseScenarioText, ScenarioError } from "./scenario.js";

const base = { name: "t", duration: "10s", host: { guests: 2 } };
const randomOf = (seed: number) =>
  parseScenario({
    ...base,
    seed,
    random: {
      events: 6,
      from: [
        { kind: "kill", target: "guest-1", restartAfter: "1s" },
        { kind: "disk", spec: "eio=write:p=0.5", for: "2s" },
        { kind: "message", target: "dom0", spec: "delay=1ms..5ms", for: "2s" },
      ],
    },
  }).schedule;

describe("scenarios", () => {
  it("every named scenario parses", async () => {
    const names = await scenarioNames();
    expect(names).toEqual(
      expect.arrayContaining(["smoke", "dom0-crash", "disk-and-guests", "dom0-restart", "guest-freeze"]),
    );
    for (const name of names) expect((await loadScenario(name)).name).toBe(name);
  });

  it("a random schedule repeats from its seed, and another seed draws another", () => {
    expect(randomOf(5)).toEqual(randomOf(5));
    expect(randomOf(5)).not.toEqual(randomOf(6));
    expect(randomOf(5).every((e, i, all) => i === 0 || (all[i - 1]?.atMs ?? 0) <= e.atMs)).toBe(true);
  });

  it.each([
    [{ ...base, duration: "90m" }, "duration: expected 1s…60m"],
    [{ ...base, host: { guests: 2, kind: "k8s" } }, "host.kind: local (processes) or compose"],
    [
      { ...base, schedule: [{ at: "1s", kind: "kill", target: "guest-2" }] },
      "schedule[0].target: expected dom0 or guest-0…guest-1",
    ],
    [
      { ...base, schedule: [{ at: "1s", kind: "disk", spec: "eio=often", for: "1s" }] },
      'schedule[0].spec: "eio=often"',
    ],
    [
      { ...base, schedule: [{ at: "1s", kind: "message", target: "dom0", spec: "drop=2", for: "1s" }] },
      "schedule[0].spec",
    ],
    [
      {
        ...base,
        schedule: [{ at: "1s", kind: "message", target: "guest-0", spec: "crash_after=50@3", for: "1s" }],
      },
      "schedule[0].spec: a crash rule here is the target's: no @domid",
    ],
    [{ ...base, schedule: [{ at: "20s", kind: "kill", target: "dom0" }] }, "schedule[0].at: after the end"],
    [{ ...base, workload: { writer: 1 } }, "workload.writer: unknown field"],
    [{ ...base, name: "a b" }, "name: expected a word"],
    [
      { ...base, schedule: [{ at: "1s", kind: "freeze", target: "guest-0", restartAfter: "1s" }] },
      "schedule[0].restartAfter: unknown field",
    ],
    [{ ...base, schedule: [{ at: "1s", kind: "pause", target: "xen", for: "1s" }] }, "schedule[0].target"],
    [{ ...base, schedule: [{ at: "1s", kind: "stop" }] }, "schedule[0].kind: expected message, disk, kill"],
    [{ ...base, workload: { renamers: -1 } }, "workload.renamers: expected an integer in 0…64"],
  ])("refuses a bad scenario, naming the field (%#)", (raw, why) => {
    expect(() => parseScenario(raw)).toThrow(ScenarioError);
    expect(() => parseScenario(raw)).toThrow(why);
  });

  it("reads YAML as it reads JSON: the same scenario either way, syntax errors named", () => {
    const yaml = `
name: t
duration: 10s
host: { guests: 2 }
workload:
  renamers: 2
schedule:
  - { at: 1s, kind: freeze, target: guest-1, for: 2s }   # SIGSTOP, then SIGCONT
  - at: 2s
    kind: pause
    target: dom0
    for: 500ms
`;
    const json = JSON.stringify({
      ...base,
      workload: { renamers: 2 },
      schedule: [
        { at: "1s", kind: "freeze", target: "guest-1", for: "2s" },
        { at: "2s", kind: "pause", target: "dom0", for: "500ms" },
      ],
    });
    const fromYaml = parseScenarioText(yaml, "yaml");
    expect(fromYaml).toEqual(parseScenarioText(json, "json"));
    expect(fromYaml.workload.renamers).toBe(2);
    expect(fromYaml.schedule.map((e) => [e.kind, e.atMs])).toEqual([
      ["freeze", 1000],
      ["pause", 2000],
    ]);
    expect(() => parseScenarioText("name: [t", "yaml")).toThrow(/^scenario: not YAML: /);
    expect(() => parseScenarioText("name: t\nname: u\nduration: 2s", "yaml")).toThrow(/not YAML/);
    expect(() => parseScenarioText("{name", "json")).toThrow(/^scenario: not JSON: /);
    expect(() => parseScenarioText("- 1\n- 2", "yaml")).toThrow("scenario: expected an object");
  });
});

// A saved history loads back as it was, and checking it again gives the live run's verdicts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentOf } from "./content.js";
import type { Operation } from "./history.js";
import { checkHistory, loadRun, type SavedRun, saveRun } from "./saved.js";

const SIZE = 9000;
const dir = await mkdtemp(join(tmpdir(), "chaos-saved-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const mixed = Buffer.concat([
  contentOf("k", 2, SIZE).subarray(0, 4096),
  contentOf("k", 1, SIZE).subarray(4096),
]);
const ops: Operation[] = [
  { kind: "write", actor: "w", guest: 0, key: "k", version: 1, start: 0, end: 10, outcome: "ok" },
  { kind: "write", actor: "w", guest: 0, key: "k", version: 2, start: 20, end: 40, outcome: "ok" },
  // During v2's write: pages of v2 and v1 (allowed).
  {
    kind: "read",
    actor: "r",
    guest: 1,
    key: "k",
    start: 25,
    end: 30,
    outcome: "ok",
    seen: { state: "corrupt", bytes: mixed },
  },
  // After v2 was acknowledged: v1 (stale).
  {
    kind: "read",
    actor: "r",
    guest: 1,
    key: "k",
    start: 50,
    end: 51,
    outcome: "ok",
    seen: { state: "complete", version: 1 },
  },
  { kind: "read", actor: "r", guest: 1, key: "k", start: 60, end: -1, outcome: "hung", detail: "deadline" },
];
const run: SavedRun = {
  scenario: "by-hand",
  seed: 7,
  fileBytes: SIZE,
  ops,
  keys: ["k"],
  final: new Map([["k", { disk: contentOf("k", 2, SIZE), guest: { state: "complete", version: 1 } }]]),
};

describe("saved histories", () => {
  it("load back with their bytes, and check to the same verdicts", async () => {
    const path = join(dir, "nested", "run.json");
    await saveRun(path, run);
    const loaded = await loadRun(path);
    expect(loaded).toEqual(run);
    const kinds = checkHistory(loaded).map((v) => v.kind);
    expect(kinds).toEqual(["stale", "hung", "lost"]);
    expect(checkHistory(loaded)).toEqual(checkHistory(run));
  });

  it("refuse a file that is not a history, naming it", async () => {
    const path = join(dir, "other.json");
    await writeFile(path, JSON.stringify({ format: "something-else" }));
    await expect(loadRun(path)).rejects.toThrow(`${path}: not a chaos history`);
    await writeFile(path, "{");
    await expect(loadRun(path)).rejects.toThrow("not JSON");
    await expect(loadRun(join(dir, "absent.json"))).rejects.toThrow("ENOENT");
  });
});

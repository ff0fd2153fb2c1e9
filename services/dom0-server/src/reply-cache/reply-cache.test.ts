// The reply cache's journal: what is recorded is there after a reopen, a torn last line is
// dropped, the bounds hold, and the file is compacted rather than growing without end.
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReplyCache, type RequestKey } from "./reply-cache.js";

const key = (guest: string, id: number, fingerprint = "f"): RequestKey => ({
  guest,
  gen: 7,
  id,
  fingerprint,
});
const lines = async (path: string) => (await readFile(path, "utf8")).split("\n").filter(Boolean).length;

describe("ReplyCache", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "xenfs-replies-"));
    path = join(dir, "journal");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("finds what was recorded after a reopen, only under the same key and arguments", async () => {
    const cache = await ReplyCache.open(path);
    await cache.record(key("a", 1), { ok: true });
    await cache.record(key("a", 2), { ok: false, code: "EEXIST" });
    await cache.close();
    await appendFile(path, '{"g":"a","n":7,"i":3,'); // a write torn by a crash

    const reopened = await ReplyCache.open(path);
    expect(reopened.lookup(key("a", 1))).toEqual({ ok: true });
    expect(reopened.lookup(key("a", 2))).toEqual({ ok: false, code: "EEXIST" });
    expect(reopened.lookup(key("a", 1, "other args"))).toBeUndefined();
    expect(reopened.lookup(key("b", 1))).toBeUndefined();
    expect(reopened.lookup({ ...key("a", 1), gen: 8 })).toBeUndefined();
    expect(reopened.size).toBe(2);
    expect(await lines(path)).toBe(2); // the torn line is gone
    await reopened.close();
  });

  it("keeps at most its bounds, per guest and in all, and compacts its file", async () => {
    const cache = await ReplyCache.open(path, { perGuest: 3, total: 5 });
    for (let id = 0; id < 5; id++) await cache.record(key("a", id), { ok: true });
    expect([0, 1, 2, 3, 4].map((id) => cache.lookup(key("a", id)) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    for (let id = 0; id < 3; id++) await cache.record(key("b", id), { ok: true });
    expect(cache.size).toBe(5);
    expect(cache.lookup(key("a", 2))).toBeUndefined(); // the oldest in all went
    for (let id = 0; id < 2000; id++) await cache.record(key("c", id), { ok: true });
    await cache.close();
    expect(await lines(path)).toBeLessThan(2 * 5 + 1024 + 2);
    const reopened = await ReplyCache.open(path, { perGuest: 3, total: 5 });
    // The last three of c, and the two of b that c's bound left room for.
    expect(reopened.lookup(key("c", 1999))).toEqual({ ok: true });
    expect(reopened.lookup(key("c", 1996))).toBeUndefined();
    expect(reopened.lookup(key("b", 2))).toEqual({ ok: true });
    expect(reopened.size).toBe(5);
    await reopened.close();
  });
});

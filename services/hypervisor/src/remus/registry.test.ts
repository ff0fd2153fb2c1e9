// GET /api/remus keeps every live pair and the last 16 ended ones of each role: a host that
// protects guests for months does not keep every pair it ever had.
import { describe, expect, it } from "vitest";
import { pruneEnded } from "./registry.js";

describe("pruneEnded", () => {
  it("forgets the oldest ended pairs beyond 16 and never a live one", () => {
    const pairs = new Map<number, { live: boolean }>();
    for (let i = 0; i < 30; i++) pairs.set(i, { live: i % 3 === 0 });
    pruneEnded(pairs, (p) => p.live);
    const kept = [...pairs.keys()];
    const live = kept.filter((k) => k % 3 === 0);
    expect(live).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    const ended = kept.filter((k) => k % 3 !== 0);
    expect(ended).toHaveLength(16);
    // The 20 ended were 1, 2, 4, 5, …, 29: the first four went.
    expect(ended[0]).toBe(7);
    expect(ended.at(-1)).toBe(29);
  });
});

import { describe, expect, it } from "vitest";
import { checkNotify, idxAdd, idxDiff } from "./indices.js";

describe("free-running indices", () => {
  it("take differences and sums modulo 2^32", () => {
    expect(idxDiff(3, 0xfffffffe)).toBe(5);
    expect(idxDiff(0, 1)).toBe(0xffffffff);
    expect(idxAdd(0xffffffff, 2)).toBe(1);
  });

  it("notify only when the event index lies in (old, new], across the wrap too", () => {
    const cases: [old: number, next: number, event: number, notify: boolean][] = [
      [0, 3, 1, true],
      [0, 3, 3, true],
      [0, 3, 0, false], // asked before these entries: already served
      [0, 3, 4, false], // asked for a later one
      [3, 3, 3, false], // nothing pushed
      [0xfffffffe, 2, 0xffffffff, true],
      [0xfffffffe, 2, 0, true],
      [0xfffffffe, 2, 2, true],
      [0xfffffffe, 2, 3, false],
      [0xfffffffe, 2, 0xfffffffe, false],
    ];
    for (const [old, next, event, notify] of cases) expect(checkNotify(old, next, event)).toBe(notify);
  });
});

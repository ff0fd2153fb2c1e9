import { describe, expect, it } from "vitest";
import { seededBytes } from "./prng.js";

describe("seededBytes", () => {
  it("is mulberry32: seed 1 starts with the reference value 0.6270739405881613", () => {
    expect(seededBytes(1, 4).readUInt32LE(0) / 2 ** 32).toBe(0.6270739405881613);
  });

  it("gives the same bytes for the same seed and different bytes for another seed", () => {
    expect(seededBytes(42, 4096).equals(seededBytes(42, 4096))).toBe(true);
    expect(seededBytes(42, 4096).equals(seededBytes(43, 4096))).toBe(false);
  });

  it("makes any length, a shorter stream being a prefix of a longer one", () => {
    const long = seededBytes(7, 64);
    for (const length of [0, 1, 3, 5, 63]) {
      const short = seededBytes(7, length);
      expect(short.length).toBe(length);
      expect(short.equals(long.subarray(0, length))).toBe(true);
    }
  });
});

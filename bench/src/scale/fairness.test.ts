import { describe, expect, it } from "vitest";
import { jainIndex } from "./fairness.js";

describe("jainIndex", () => {
  it("is 1 for equal shares and 1/N when one guest gets everything", () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1);
    expect(jainIndex([8, 0, 0, 0])).toBe(0.25);
  });

  it("falls between for uneven shares", () => {
    // (1+2+3)² / (3·(1+4+9)) = 36/42
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 12);
  });

  it("refuses no shares and negative or non-finite ones", () => {
    expect(() => jainIndex([])).toThrow(RangeError);
    expect(() => jainIndex([1, -1])).toThrow(RangeError);
    expect(() => jainIndex([1, Number.NaN])).toThrow(RangeError);
  });
});

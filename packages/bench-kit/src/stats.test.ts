import { describe, expect, it } from "vitest";
import { latency, median, percentile, quantile, spread } from "./stats.js";

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe("percentile (nearest rank)", () => {
  it("picks measured samples on 1..100", () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it("on small arrays rounds the rank up", () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
    expect(percentile([7], 99)).toBe(7);
  });

  it("refuses empty input and p outside [0, 100]", () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe("median, quartiles and spread", () => {
  it("takes the middle of odd and the mean of the middle two of even counts, unsorted input", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("interpolates quartiles like numpy", () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
  });

  it("reports median, min, max and IQR over repeats", () => {
    expect(spread([9, 1, 5, 3, 7])).toEqual({ median: 5, min: 1, max: 9, q1: 3, q3: 7, iqr: 4 });
    expect(spread([2])).toEqual({ median: 2, min: 2, max: 2, q1: 2, q3: 2, iqr: 0 });
  });

  it("refuses non-finite samples", () => {
    expect(() => spread([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe("latency", () => {
  it("summarises samples without reordering the caller's array", () => {
    const samples = [...oneToHundred].reverse();
    expect(latency(samples)).toEqual({
      samples: 100,
      p50Ms: 50,
      p99Ms: 99,
      minMs: 1,
      maxMs: 100,
      meanMs: 50.5,
    });
    expect(samples[0]).toBe(100);
  });
});

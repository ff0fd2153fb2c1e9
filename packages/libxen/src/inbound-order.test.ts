import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InboundOrder } from "./inbound-order.js";

describe("inbound frame order", () => {
  it("processes every frame once, in seq order, whatever duplicates and reordering arrive", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            // Each frame once or twice, in any order.
            fc.shuffledSubarray(
              Array.from({ length: 2 * n }, (_, i) => (i % n) + 1),
              { minLength: 2 * n, maxLength: 2 * n },
            ),
            fc.subarray(Array.from({ length: n }, (_, i) => i + 1)),
          ),
        ),
        ([n, arrivals, handled]) => {
          const order = new InboundOrder<number>();
          const processed: number[] = [];
          const skipped = new Set(handled);
          for (const seq of arrivals) {
            processed.push(...(skipped.has(seq) ? order.skip(seq) : order.accept(seq, seq)));
          }
          expect(processed).toEqual(
            Array.from({ length: n }, (_, i) => i + 1).filter((s) => !skipped.has(s)),
          );
          expect(order.lastSeen).toBe(n);
          expect(order.held).toBe(0);
          expect(order.gapSince).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("holds frames behind a missing one and reports the open gap until it fills", () => {
    const order = new InboundOrder<string>();
    expect(order.accept(1, "a")).toEqual(["a"]);
    expect(order.accept(3, "c")).toEqual([]);
    expect(order.accept(4, "d")).toEqual([]);
    expect(order.held).toBe(2);
    expect(order.gapSince).toBeTypeOf("number");
    expect(order.accept(2, "b")).toEqual(["b", "c", "d"]);
    expect(order.gapSince).toBeUndefined();
  });

  it("forgets held frames on reset: the replay brings them again", () => {
    const order = new InboundOrder<string>();
    order.accept(2, "b");
    order.reset();
    expect(order.held).toBe(0);
    expect(order.accept(1, "a")).toEqual(["a"]);
    expect(order.accept(2, "b")).toEqual(["b"]);
  });
});

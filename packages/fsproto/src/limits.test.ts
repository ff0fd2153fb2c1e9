import { describe, expect, it } from "vitest";
import { FSIF_SLOT_SIZE, GREF_LIST_MAX, PAGE_SIZE } from "./limits.js";

// io/ring.h: entries = (page − 64-byte header) / entry size, rounded down to a power of two.
const ringEntries = (slot: number) => 2 ** Math.floor(Math.log2(Math.floor((PAGE_SIZE - 64) / slot)));

describe("slot size", () => {
  it("keeps fsif's 32-entry ring: 120 bytes cost no depth, 128 would halve it", () => {
    expect(ringEntries(64)).toBe(32);
    expect(ringEntries(FSIF_SLOT_SIZE)).toBe(32);
    expect(ringEntries(128)).toBe(16);
    expect(FSIF_SLOT_SIZE % 8).toBe(0);
  });

  it("fits a gref list page exactly", () => {
    expect(4 + 4 * GREF_LIST_MAX).toBe(PAGE_SIZE);
  });
});

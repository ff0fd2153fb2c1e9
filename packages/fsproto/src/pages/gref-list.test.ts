import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectProtocolError } from "../arbitraries.fixture.js";
import { GREF_LIST_MAX, PAGE_SIZE } from "../limits.js";
import { grefListCodec } from "./gref-list.js";

describe("grefListCodec", () => {
  it("round-trips up to GREF_LIST_MAX grefs, which fill a page exactly", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: GREF_LIST_MAX }),
        (grefs) => {
          expect(grefListCodec.decode(grefListCodec.encode(grefs))).toEqual(grefs);
        },
      ),
      { numRuns: 50 },
    );
    expect(grefListCodec.encode(Array(GREF_LIST_MAX).fill(1)).length).toBe(PAGE_SIZE);
  });

  it("refuses one gref too many, and a count past the page on decode", () => {
    expectProtocolError(() => grefListCodec.encode(Array(GREF_LIST_MAX + 1).fill(1)), "FSIF_OUT_OF_RANGE");
    const bytes = new Uint8Array(PAGE_SIZE);
    new DataView(bytes.buffer).setUint32(0, GREF_LIST_MAX + 1, true);
    expectProtocolError(() => grefListCodec.decode(bytes), "FSIF_OUT_OF_RANGE");
  });

  it("refuses a count that does not match the bytes, and a missing header", () => {
    const encoded = grefListCodec.encode([1, 2, 3]);
    expectProtocolError(() => grefListCodec.decode(encoded.subarray(0, 12)), "FSIF_BAD_LENGTH");
    expectProtocolError(() => grefListCodec.decode(new Uint8Array(3)), "FSIF_BAD_LENGTH");
  });

  it("refuses a gref that is not a u32", () => {
    expectProtocolError(() => grefListCodec.encode([2 ** 32]), "FSIF_OUT_OF_RANGE");
  });
});

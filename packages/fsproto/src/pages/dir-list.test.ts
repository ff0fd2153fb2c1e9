import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectProtocolError } from "../arbitraries.fixture.js";
import { type DirentType, DT } from "../dirent.js";
import { NAME_MAX, PAGE_SIZE } from "../limits.js";
import { type DirEntry, dirListCodec, fitDirEntries } from "./dir-list.js";

const name = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
  .filter(
    (s) => !/[/\0]/.test(s) && s !== "." && s !== ".." && new TextEncoder().encode(s).length <= NAME_MAX,
  );
const entry = fc.record({ name, type: fc.constantFrom(...(Object.values(DT) as DirentType[])) });

describe("dirListCodec", () => {
  it("round-trips listings that fit in a page", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
        expect(dirListCodec.decode(dirListCodec.encode(entries))).toEqual(entries);
      }),
    );
  });

  it("lays out count, then type, name length and name per entry", () => {
    const encoded = dirListCodec.encode([{ name: "ab", type: DT.DT_DIR }]);
    expect([...encoded]).toEqual([1, 0, DT.DT_DIR, 2, 0x61, 0x62]);
  });

  it("takes a NAME_MAX name and refuses a longer one", () => {
    const longest = "n".repeat(NAME_MAX);
    expect(dirListCodec.decode(dirListCodec.encode([{ name: longest, type: DT.DT_REG }]))[0]?.name).toBe(
      longest,
    );
    expectProtocolError(
      () => dirListCodec.encode([{ name: `${longest}n`, type: DT.DT_REG }]),
      "FSIF_BAD_LENGTH",
    );
  });

  it.each(["a/b", ".", "..", "a\0b", ""])("refuses the name %j", (bad) => {
    expectProtocolError(() => dirListCodec.encode([{ name: bad, type: DT.DT_REG }]), "FSIF_BAD_STRING");
  });

  it("refuses a name with a NUL or '/' and bad UTF-8 on decode too", () => {
    expectProtocolError(
      () => dirListCodec.decode(Uint8Array.from([1, 0, 8, 3, 0x61, 0x2f, 0x62])),
      "FSIF_BAD_STRING",
    );
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([1, 0, 8, 1, 0])), "FSIF_BAD_STRING");
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([1, 0, 8, 1, 0xff])), "FSIF_BAD_STRING");
  });

  it("refuses an unknown d_type", () => {
    expectProtocolError(
      () => dirListCodec.encode([{ name: "x", type: 3 as DirentType }]),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([1, 0, 3, 1, 0x78])), "FSIF_OUT_OF_RANGE");
  });

  it("refuses listings whose lengths do not add up", () => {
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([1])), "FSIF_BAD_LENGTH");
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([2, 0, 8, 1, 0x78])), "FSIF_BAD_LENGTH");
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([1, 0, 8, 5, 0x78])), "FSIF_BAD_LENGTH");
    expectProtocolError(() => dirListCodec.decode(Uint8Array.from([0, 0, 0])), "FSIF_BAD_LENGTH");
    expectProtocolError(() => dirListCodec.decode(new Uint8Array(PAGE_SIZE + 1)), "FSIF_BAD_LENGTH");
  });

  it("packs the most leading entries that fit, and the next one would not", () => {
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 64, max: PAGE_SIZE }),
        (entries, capacity) => {
          const fit = fitDirEntries(entries, capacity);
          expect(dirListCodec.encode(entries.slice(0, fit)).length).toBeLessThanOrEqual(capacity);
          if (fit < entries.length) {
            expect(dirListCodec.encode(entries.slice(0, fit + 1)).length).toBeGreaterThan(capacity);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses to encode more than a page", () => {
    const many: DirEntry[] = Array.from({ length: 100 }, (_, i) => ({
      name: `${"x".repeat(60)}${i}`,
      type: DT.DT_REG,
    }));
    expectProtocolError(() => dirListCodec.encode(many), "FSIF_BAD_LENGTH");
  });
});

import { describe, expect, it } from "vitest";
import { expectProtocolError } from "../arbitraries.fixture.js";
import { PATH_MAX } from "../limits.js";
import { pathCodec } from "./path.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("pathCodec", () => {
  it.each(["a", "dir/file.txt", "/abs/path", "../up", "naïve/日本語/🎉", "\uFEFFbom-kept"])(
    "round-trips %j",
    (path) => {
      const encoded = pathCodec.encode(path);
      expect(encoded).toEqual(new TextEncoder().encode(path));
      expect(pathCodec.decode(encoded)).toBe(path);
    },
  );

  it("takes PATH_MAX bytes, even when the last character is multi-byte, and refuses one more", () => {
    const longest = "€".repeat(PATH_MAX / 3);
    expect(pathCodec.decode(pathCodec.encode(longest))).toBe(longest);
    expectProtocolError(() => pathCodec.encode(`${longest}a`), "FSIF_BAD_LENGTH");
    expectProtocolError(() => pathCodec.decode(new Uint8Array(PATH_MAX + 1).fill(0x61)), "FSIF_BAD_LENGTH");
  });

  it("refuses an empty path and a NUL inside", () => {
    expectProtocolError(() => pathCodec.encode(""), "FSIF_BAD_STRING");
    expectProtocolError(() => pathCodec.decode(new Uint8Array(0)), "FSIF_BAD_STRING");
    expectProtocolError(() => pathCodec.encode("a\0b"), "FSIF_BAD_STRING");
    expectProtocolError(() => pathCodec.decode(bytes(0x61, 0, 0x62)), "FSIF_BAD_STRING");
  });

  it.each([
    ["a stray continuation byte", bytes(0x61, 0x80)],
    ["an invalid lead byte", bytes(0xff)],
    ["an overlong '/'", bytes(0xc0, 0xaf)],
    ["a truncated sequence", bytes(0xe2, 0x82)],
    ["an encoded surrogate", bytes(0xed, 0xa0, 0x80)],
  ])("refuses bad UTF-8: %s", (_, encoded) => {
    expectProtocolError(() => pathCodec.decode(encoded), "FSIF_BAD_STRING");
  });

  it("refuses a string with a lone surrogate rather than send U+FFFD", () => {
    expectProtocolError(() => pathCodec.encode("a\uD800b"), "FSIF_BAD_STRING");
  });
});

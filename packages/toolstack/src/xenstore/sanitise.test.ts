import { describe, expect, it } from "vitest";
import { sanitise, unsanitise } from "./sanitise.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("values as Xen's tools show and take them", () => {
  it("shows printable ASCII as is, \\t \\n \\r \\\\ by letter, bytes below 8 in octal, the rest in hex", () => {
    const value = new TextEncoder().encode("A\bB\x1fC\x7fD\nE\rF\\G~ H\t");
    expect(sanitise(value)).toBe("A\\x08B\\x1fC\\x7fD\\nE\\rF\\\\G~ H\\t");
    expect(sanitise(bytes(0, 1, 7, 8, 0xc3, 0xa9))).toBe("\\000\\001\\007\\x08\\xc3\\xa9");
  });

  it("takes \\xHH, up to three octal digits (kept to a byte), letters, and anything else escaped as itself", () => {
    expect(unsanitise("p\\x41q\\101r\\0s\\7t")).toEqual(new TextEncoder().encode("pAqAr\0s\x07t"));
    expect(unsanitise("q\\xz\\x4")).toEqual(bytes(0x71, 0x78, 0x7a, 0x04));
    expect(unsanitise("\\777\\400")).toEqual(bytes(0xff, 0x00));
    expect(unsanitise("a\\tb\\nc\\rd\\\\e\\z")).toEqual(new TextEncoder().encode("a\tb\nc\rd\\ez"));
    expect(unsanitise("é")).toEqual(bytes(0xc3, 0xa9));
  });

  it("reads a trailing backslash as a NUL, as Xen does", () => {
    expect(unsanitise("ab\\")).toEqual(bytes(0x61, 0x62, 0));
  });

  it("round-trips every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(unsanitise(sanitise(all))).toEqual(all);
  });
});

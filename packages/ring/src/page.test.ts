import { describe, expect, it } from "vitest";
import { BufferPage } from "./page.js";

describe("BufferPage", () => {
  it("stores u32 little-endian and as unsigned", () => {
    const page = new BufferPage();
    page.writeU32(8, 0x01020304);
    page.writeU32(4092, -1);
    expect(Array.from(page.bytes.subarray(8, 12))).toEqual([4, 3, 2, 1]);
    expect(page.readU32(8)).toBe(0x01020304);
    expect(page.readU32(4092)).toBe(0xffffffff);
  });

  it("refuses any access outside the page", () => {
    const page = new BufferPage();
    const outside = [
      () => page.readU32(4093),
      () => page.writeU32(-4, 0),
      () => page.read(4000, 97),
      () => page.write(4095, new Uint8Array(2)),
      () => page.read(1.5, 1),
    ];
    for (const access of outside) expect(access).toThrow(expect.objectContaining({ code: "ERANGE" }));
  });
});

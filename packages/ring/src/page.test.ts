import { describe, expect, it } from "vitest";
import { BufferPage, PageSpan } from "./page.js";

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

describe("PageSpan (the pages of a multi-page ring as one)", () => {
  const span = (n: number) => {
    const whole = new Uint8Array(4096 * n);
    const pages = Array.from(
      { length: n },
      (_, i) => new BufferPage(whole.subarray(4096 * i, 4096 * (i + 1))),
    );
    return { whole, pages, span: new PageSpan(pages) };
  };

  it("addresses byte k of the span as byte k % 4096 of page k / 4096", () => {
    const { whole, span: page } = span(3);
    expect(page.size).toBe(3 * 4096);
    page.writeU32(4096 + 8, 0x01020304);
    page.write(2 * 4096 + 100, Uint8Array.of(7, 8, 9));
    expect(Array.from(whole.subarray(4096 + 8, 4096 + 12))).toEqual([4, 3, 2, 1]);
    expect(Array.from(whole.subarray(8292, 8295))).toEqual([7, 8, 9]);
    expect(page.readU32(4096 + 8)).toBe(0x01020304);
    expect(Array.from(page.read(8292, 3))).toEqual([7, 8, 9]);
  });

  it("splits an access that straddles a page boundary, one part per page", () => {
    const { whole, pages, span: page } = span(2);
    const writes: [number, number, number][] = [];
    pages.forEach((p, i) => {
      const write = p.write.bind(p);
      p.write = (offset, data) => {
        writes.push([i, offset, data.length]);
        write(offset, data);
      };
    });
    const data = Uint8Array.from({ length: 56 }, (_, i) => i + 1);
    page.write(4096 - 20, data);
    expect(writes).toEqual([
      [0, 4076, 20],
      [1, 0, 36],
    ]);
    expect(Array.from(whole.subarray(4076, 4132))).toEqual(Array.from(data));
    expect(Array.from(page.read(4076, 56))).toEqual(Array.from(data));
    page.writeU32(4094, 0xa1b2c3d4); // unaligned, across the boundary
    expect(Array.from(whole.subarray(4094, 4098))).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(page.readU32(4094)).toBe(0xa1b2c3d4);
  });

  it("refuses accesses outside the span and pages that are not 4 KiB", () => {
    const { span: page } = span(2);
    for (const access of [
      () => page.readU32(8190),
      () => page.read(8000, 193),
      () => page.write(-1, new Uint8Array(1)),
      () => page.writeU32(8192, 0),
      () => page.read(0.5, 1),
    ]) {
      expect(access).toThrow(expect.objectContaining({ code: "ERANGE" }));
    }
    expect(() => new PageSpan([])).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new PageSpan([new BufferPage(new Uint8Array(8192))])).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });
});

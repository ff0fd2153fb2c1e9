import { describe, expect, it } from "vitest";
import { OpenFile } from "../open-file.js";
import { READAHEAD, readaheadEnd } from "./readahead.js";

describe("read-ahead", () => {
  it("doubles the window for a sequential reader up to the maximum, never past the file's end", () => {
    const file = new OpenFile("f", 0, 1, 1);
    let page = 0;
    const ends: number[] = [];
    for (let i = 0; i < 6; i++) {
      const end = readaheadEnd(file, page, page, 1_000, 64);
      ends.push(end - page + 1);
      page = end + 1;
      file.nextPage = page;
    }
    expect(ends).toEqual([4, 8, 16, 32, 64, 64]);
    expect(readaheadEnd(file, page, page, page + 2)).toBe(page + 2);
  });

  it("grows to at least twice a sequential read's size", () => {
    const file = new OpenFile("f", 0, 1, 1);
    expect(readaheadEnd(file, 0, 255, 10_000)).toBe(255);
    file.nextPage = 256;
    expect(readaheadEnd(file, 256, 511, 10_000)).toBe(256 + 512 - 1);
    file.nextPage = 512;
    expect(readaheadEnd(file, 512, 767, 10_000)).toBe(512 + READAHEAD.maxPages - 1);
  });

  it("starts over on a jump, and always covers the pages asked for", () => {
    const file = new OpenFile("f", 0, 1, 1);
    file.nextPage = 10;
    file.window = 32;
    expect(readaheadEnd(file, 50, 50, 1_000)).toBe(50 + READAHEAD.initialPages - 1);
    expect(readaheadEnd(file, 0, 99, 1_000)).toBe(99);
  });
});

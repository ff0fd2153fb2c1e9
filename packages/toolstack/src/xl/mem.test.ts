import { describe, expect, it } from "vitest";
import { parseMemSizeKb } from "./mem.js";

describe("parseMemSizeKb (xl's parse_mem_size_kb)", () => {
  it.each([
    ["256", 256 * 1024],
    ["256m", 256 * 1024],
    ["1G", 1024 * 1024],
    ["2048k", 2048],
    ["8192b", 8],
    ["1t", 1024 ** 3],
  ])("%s is %d KiB", (text, kb) => expect(parseMemSizeKb(text)).toBe(kb));

  it.each(["", "m", "12x", "-1", "1.5g", "1mb"])("refuses %j", (text) =>
    expect(parseMemSizeKb(text)).toBeUndefined(),
  );
});

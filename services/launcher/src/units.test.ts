import { describe, expect, it } from "vitest";
import { bytes, count, percent, rate, uptime } from "./units.js";

describe("units", () => {
  it("prints unknown values as a dash", () => {
    expect([
      count(undefined),
      bytes(undefined),
      rate(undefined),
      percent(1, undefined),
      percent(0, 0),
    ]).toEqual(["-", "-", "-", "-", "-"]);
  });

  it("scales bytes by 1024", () => {
    expect(bytes(0)).toBe("0 B");
    expect(bytes(1023)).toBe("1023 B");
    expect(bytes(1536)).toBe("1.5 KiB");
    expect(bytes(4 * 1024 * 1024)).toBe("4.0 MiB");
    expect(bytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(rate(2.4 * 1024 * 1024)).toBe("2.4 MiB/s");
  });

  it("formats counts, percentages and uptime", () => {
    expect(count(0)).toBe("0");
    expect(percent(1, 3)).toBe("33.3%");
    expect(uptime(0)).toBe("0:00");
    expect(uptime(75_999)).toBe("1:15");
    expect(uptime(3_723_000)).toBe("1:02:03");
  });
});

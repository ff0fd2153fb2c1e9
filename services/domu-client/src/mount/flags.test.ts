import { O } from "@xenfs/fsproto";
import { describe, expect, it } from "vitest";
import { openFlags, reopenFlags } from "./flags.js";

describe("open flags", () => {
  it("maps Node's flag strings to Linux O_* bits", () => {
    expect(openFlags("r")).toBe(O.O_RDONLY);
    expect(openFlags("w")).toBe(O.O_WRONLY | O.O_CREAT | O.O_TRUNC);
    expect(openFlags("ax+")).toBe(O.O_RDWR | O.O_CREAT | O.O_APPEND | O.O_EXCL);
    expect(openFlags(O.O_RDWR)).toBe(O.O_RDWR);
    expect(() => openFlags("rw" as "r")).toThrow(TypeError);
  });

  it("reopens without creating, truncating or insisting on exclusivity", () => {
    expect(reopenFlags(openFlags("wx+"))).toBe(O.O_RDWR);
    expect(reopenFlags(openFlags("a"))).toBe(O.O_WRONLY | O.O_APPEND);
  });
});

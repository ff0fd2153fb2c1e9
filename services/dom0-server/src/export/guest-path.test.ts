import { describe, expect, it } from "vitest";
import { NAME_MAX, PATH_MAX, parseGuestPath } from "./guest-path.js";

function refusal(path: unknown): { code: string; path: string } {
  try {
    parseGuestPath(path, "stat");
  } catch (err) {
    return err as { code: string; path: string };
  }
  throw new Error(`expected ${JSON.stringify(path)} to be refused`);
}

describe("parseGuestPath", () => {
  it("reads '' and '.' as the root", () => {
    expect(parseGuestPath("", "stat")).toEqual([]);
    expect(parseGuestPath(".", "stat")).toEqual([]);
    expect(parseGuestPath("./", "stat")).toEqual([]);
  });

  it("splits components and drops empty and '.' ones", () => {
    expect(parseGuestPath("a/b/c", "stat")).toEqual(["a", "b", "c"]);
    expect(parseGuestPath("a//b/./c/", "stat")).toEqual(["a", "b", "c"]);
    expect(parseGuestPath("...", "stat")).toEqual(["..."]);
    expect(parseGuestPath("a..b/..c", "stat")).toEqual(["a..b", "..c"]);
  });

  it("refuses absolute paths and any '..' with EACCES", () => {
    for (const path of ["/", "/etc/passwd", "..", "../x", "a/..", "a/../b", "a/../../x", "a/b/../../.."]) {
      expect(refusal(path)).toMatchObject({ code: "EACCES", path });
    }
  });

  it("refuses NUL bytes and non-strings with EINVAL", () => {
    expect(refusal("a\0b").code).toBe("EINVAL");
    expect(refusal(42).code).toBe("EINVAL");
    expect(refusal(null).code).toBe("EINVAL");
  });

  it("counts NAME_MAX and PATH_MAX in bytes, not characters", () => {
    expect(parseGuestPath("n".repeat(NAME_MAX), "stat")).toHaveLength(1);
    expect(refusal("n".repeat(NAME_MAX + 1)).code).toBe("ENAMETOOLONG");
    // 128 two-byte characters are 256 bytes.
    expect(refusal("é".repeat(128)).code).toBe("ENAMETOOLONG");
    const longest = `${"d".repeat(254)}/`.repeat(16) + "f".repeat(15);
    expect(Buffer.byteLength(longest)).toBe(PATH_MAX);
    expect(parseGuestPath(longest, "stat")).toHaveLength(17);
    expect(refusal(`${longest}g`).code).toBe("ENAMETOOLONG");
    expect(refusal("a/".repeat(2048)).code).toBe("ENAMETOOLONG");
  });
});

import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { XsError } from "./errors.js";
import { isAtOrBelow, parentPath, resolvePath } from "./paths.js";

function einval(name: string, allowSpecial = false) {
  try {
    resolvePath(name, 5, allowSpecial);
  } catch (error) {
    return error instanceof XsError ? error.code : error;
  }
  return "accepted";
}

describe("resolvePath", () => {
  it("keeps absolute paths and resolves relative ones under /local/domain/<domid>", () => {
    expect(resolvePath("/local/domain/5/x", 5, false)).toEqual({
      path: "/local/domain/5/x",
      relative: false,
    });
    expect(resolvePath("device/vif-0", 5, false)).toEqual({
      path: "/local/domain/5/device/vif-0",
      relative: true,
    });
    expect(resolvePath("/", 5, false)).toEqual({ path: "/", relative: false });
    expect(resolvePath("/A_z-9@x", 0, false).path).toBe("/A_z-9@x");
  });

  it.each([
    ["", "empty"],
    ["/a b", "space"],
    ["/a.b", "dot"],
    ["/a//b", "doubled slash"],
    ["/a/", "trailing slash"],
    ["a/", "relative trailing slash"],
    ["/é", "non-ASCII"],
    ["/a\nb", "newline"],
  ])("refuses %j (%s) with EINVAL", (name) => {
    expect(einval(name)).toBe("EINVAL");
  });

  it("allows @ paths only where specials are allowed", () => {
    expect(einval("@introduceDomain")).toBe("EINVAL");
    expect(resolvePath("@releaseDomain", 5, true)).toEqual({ path: "@releaseDomain", relative: false });
  });

  it("limits absolute paths to 3072 bytes and relative ones to 2048", () => {
    const abs = (n: number) => `/${"a".repeat(n - 1)}`;
    expect(resolvePath(abs(XENSTORE_ABS_PATH_MAX), 0, false).path).toHaveLength(XENSTORE_ABS_PATH_MAX);
    expect(einval(abs(XENSTORE_ABS_PATH_MAX + 1))).toBe("EINVAL");
    expect(resolvePath("r".repeat(XENSTORE_REL_PATH_MAX), 5, false).relative).toBe(true);
    expect(einval("r".repeat(XENSTORE_REL_PATH_MAX + 1))).toBe("EINVAL");
  });
});

describe("path relations", () => {
  it("finds parents", () => {
    expect(parentPath("/")).toBeUndefined();
    expect(parentPath("/a")).toBe("/");
    expect(parentPath("/a/b/c")).toBe("/a/b");
  });

  it("treats a path as at-or-below itself and its ancestors only, by whole components", () => {
    expect(isAtOrBelow("/a/b", "/a")).toBe(true);
    expect(isAtOrBelow("/a", "/a")).toBe(true);
    expect(isAtOrBelow("/ab", "/a")).toBe(false);
    expect(isAtOrBelow("/a", "/a/b")).toBe(false);
    expect(isAtOrBelow("/anything", "/")).toBe(true);
    expect(isAtOrBelow("@releaseDomain", "/")).toBe(false);
  });
});

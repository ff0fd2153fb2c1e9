import { FsError } from "@xenfs/fsproto";
import { describe, expect, it } from "vitest";
import { exportPath, joinPath, parentOf } from "./paths.js";

describe("exportPath", () => {
  it("drops empty and `.` components; the root is `.`", () => {
    expect(exportPath("a//b/./c/", "stat")).toBe("a/b/c");
    expect(exportPath("", "stat")).toBe(".");
    expect(exportPath("./", "stat")).toBe(".");
  });

  it("leaves `..` and absolute paths for dom0 to refuse", () => {
    expect(exportPath("a/../b", "stat")).toBe("a/../b");
    expect(exportPath("/etc/passwd", "stat")).toBe("/etc/passwd");
  });

  it("refuses what cannot travel: NUL and paths over PATH_MAX, as Node-shaped errors", () => {
    expect(() => exportPath("a\0b", "open")).toThrow(
      expect.objectContaining({ code: "EINVAL", syscall: "open" }),
    );
    const long = "x".repeat(4096);
    expect(() => exportPath(long, "stat")).toThrow(FsError);
    expect(() => exportPath(long, "stat")).toThrow(expect.objectContaining({ code: "ENAMETOOLONG" }));
  });

  it("joins and splits relative paths", () => {
    expect(joinPath(".", "a")).toBe("a");
    expect(joinPath("a/b", "c")).toBe("a/b/c");
    expect(parentOf("a/b/c")).toBe("a/b");
    expect(parentOf("a")).toBe(".");
  });
});

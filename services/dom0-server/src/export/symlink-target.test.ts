import { describe, expect, it } from "vitest";
import { checkSymlinkTarget } from "./symlink-target.js";

function code(target: unknown, depth: number): string {
  try {
    checkSymlinkTarget(target, depth, "symlink", "link");
  } catch (err) {
    return (err as { code: string }).code;
  }
  return "accepted";
}

describe("checkSymlinkTarget", () => {
  it("accepts relative targets that stay inside, read from the link's directory", () => {
    expect(checkSymlinkTarget("b", 0, "symlink", "link")).toBe("b");
    expect(code("../x", 1)).toBe("accepted");
    expect(code("../../a/b", 2)).toBe("accepted");
    expect(code("a/../b", 0)).toBe("accepted");
    expect(code("./x/./y/", 0)).toBe("accepted");
  });

  it("refuses targets that climb out or are absolute with EXDEV", () => {
    expect(code("..", 0)).toBe("EXDEV");
    expect(code("../../x", 1)).toBe("EXDEV");
    // Climbing out and back in still passes outside on the way.
    expect(code("../export/x", 0)).toBe("EXDEV");
    expect(code("a/../../b", 0)).toBe("EXDEV");
    expect(code("/etc/passwd", 3)).toBe("EXDEV");
  });

  it("refuses malformed targets", () => {
    expect(code("", 0)).toBe("ENOENT");
    expect(code("a\0b", 0)).toBe("EINVAL");
    expect(code(7, 0)).toBe("EINVAL");
    expect(code("n".repeat(256), 0)).toBe("ENAMETOOLONG");
    expect(code("a/".repeat(2048), 0)).toBe("ENAMETOOLONG");
  });
});

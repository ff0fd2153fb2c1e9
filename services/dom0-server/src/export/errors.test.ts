import { readFile } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExportError, errnoOf, guarded, toExportError } from "./errors.js";

describe("ExportError", () => {
  it("carries the errno name, the negative Linux errno, the syscall, the guest path and the reason", () => {
    const err = new ExportError("EXDEV", { syscall: "open", path: "a/link", reason: "points out" });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("EXDEV");
    expect(err.errno).toBe(-constants.errno.EXDEV);
    expect(err.errno).toBeLessThan(0);
    expect(err.syscall).toBe("open");
    expect(err.path).toBe("a/link");
    expect(err.reason).toBe("points out");
    expect(err.message).toBe("EXDEV: points out, open 'a/link'");
  });

  it("shortens an enormous path instead of repeating it into every log line", () => {
    const err = new ExportError("ENAMETOOLONG", {
      syscall: "stat",
      path: "x".repeat(100_000),
      reason: "long",
    });
    expect(err.path.length).toBeLessThan(300);
    expect(err.message.length).toBeLessThan(400);
  });

  it("computes errno from the OS table for every name", () => {
    for (const name of ["ENOENT", "EISDIR", "EMFILE", "ELOOP", "ENAMETOOLONG"] as const) {
      expect(errnoOf(name)).toBe(-constants.errno[name]);
    }
  });
});

describe("toExportError", () => {
  it("keeps Node's code and errno for a real fs failure, and names the guest path, not the host's", async () => {
    const hostPath = join(tmpdir(), `xenfs-missing-${process.pid}-${Date.now()}`);
    const nodeError = await readFile(hostPath).catch((err: unknown) => err);
    const err = toExportError(nodeError, "open", "guest/file");
    expect(err.code).toBe("ENOENT");
    expect(err.errno).toBe((nodeError as NodeJS.ErrnoException).errno);
    expect(err.path).toBe("guest/file");
    expect(err.reason).toBe("no such file or directory");
    expect(err.message).not.toContain(hostPath);
    expect(err.cause).toBe(nodeError);
  });

  it("returns an ExportError unchanged", () => {
    const original = new ExportError("EACCES", { syscall: "stat", path: "/x", reason: "absolute" });
    expect(toExportError(original, "open", "other")).toBe(original);
  });

  it("turns an error without an errno into EIO, keeping it as the cause", () => {
    const bug = new TypeError("boom");
    const err = toExportError(bug, "read", "f");
    expect(err.code).toBe("EIO");
    expect(err.cause).toBe(bug);
    expect(toExportError("not even an Error", "read", "f").code).toBe("EIO");
  });

  it("guarded maps whatever the operation throws", async () => {
    await expect(guarded("open", "g", () => readFile("/nonexistent/xenfs"))).rejects.toMatchObject({
      name: "ExportError",
      code: "ENOENT",
      path: "g",
      syscall: "open",
    });
  });
});

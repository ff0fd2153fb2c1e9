import { mkdtemp, rename, rm, stat } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { getSystemErrorMap } from "node:util";
import { describe, expect, it } from "vitest";
import { errnoNameOf, FS_ERRNO, FS_STRERROR, type FsErrnoName, statusOf } from "./errno.js";
import { FsError } from "./fs-error.js";

async function nodeError(run: () => Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await run();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error("expected the call to fail");
}

describe("FS_ERRNO", () => {
  it("uses Linux numbers and Node's names and messages", () => {
    const system = getSystemErrorMap();
    for (const [name, errno] of Object.entries(FS_ERRNO) as [FsErrnoName, number][]) {
      expect(errno, name).toBe(constants.errno[name as keyof typeof constants.errno]);
      // libuv has no ESTALE (NFS's stale handle): Linux's number, strerror in libuv's style.
      if (name === "ESTALE") expect(FS_STRERROR[name]).toBe("stale file handle");
      else expect(system.get(-errno), name).toEqual([name, FS_STRERROR[name]]);
    }
  });

  it("maps statuses and names both ways, and nothing else", () => {
    for (const name of Object.keys(FS_ERRNO) as FsErrnoName[]) expect(errnoNameOf(statusOf(name))).toBe(name);
    expect(errnoNameOf(-3)).toBeUndefined();
    expect(errnoNameOf(2)).toBeUndefined();
  });
});

describe("FsError", () => {
  it("looks like the error Node's fs throws for the same failure", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fsproto-"));
    try {
      const missing = join(dir, "missing");
      const real = await nodeError(() => stat(missing));
      const ours = new FsError("ENOENT", { syscall: "stat", path: missing });
      expect(ours).toBeInstanceOf(Error);
      expect({ ...ours, message: ours.message }).toStrictEqual({ ...real, message: real.message });

      const realRename = await nodeError(() => rename(missing, join(dir, "b")));
      const oursRename = new FsError("ENOENT", { syscall: "rename", path: missing, dest: join(dir, "b") });
      expect(oursRename.message).toBe(realRename.message);
      expect(oursRename.dest).toBe((realRename as NodeJS.ErrnoException & { dest?: string }).dest);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it("carries a negative errno and omits what it was not given", () => {
    const error = new FsError("EISDIR");
    expect(error.code).toBe("EISDIR");
    expect(error.errno).toBe(-21);
    expect(error.message).toBe("EISDIR: illegal operation on a directory");
    expect("path" in error).toBe(false);
  });
});

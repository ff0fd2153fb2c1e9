import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  statfs,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportFs } from "./export-fs.js";

let base: string;
let root: string;
let fs: ExportFs;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "xenfs-paths-")));
  root = join(base, "export");
  await mkdir(join(root, "dir", "inner"), { recursive: true });
  await writeFile(join(root, "file"), "hello");
  await writeFile(join(root, "dir", "inner", "f"), "x");
  await symlink("dir", join(root, "dir-link"));
  fs = new ExportFs(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (err: { code: string }) => err.code,
  );
}

describe("ExportFs construction", () => {
  it("realpaths the root", async () => {
    await symlink(root, join(base, "alias"));
    expect(new ExportFs(join(base, "alias")).root).toBe(root);
  });

  it("refuses a missing root, a file, and bad limits with a clear error", () => {
    expect(() => new ExportFs(join(base, "missing"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(() => new ExportFs(join(root, "file"))).toThrow(
      expect.objectContaining({ code: "ENOTDIR", message: expect.stringContaining("must be a directory") }),
    );
    expect(() => new ExportFs(root, { maxIoBytes: 0 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new ExportFs(root, { maxOpenFilesPerGuest: 1.5 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });
});

describe("stat and lstat", () => {
  it("report the inode's attributes and identity", async () => {
    const ours = await fs.stat("file");
    const theirs = await stat(join(root, "file"), { bigint: true });
    expect(ours).toMatchObject({ type: "file", size: 5, ino: theirs.ino, dev: theirs.dev, version: 0 });
    expect(ours.mode).toBe(Number(theirs.mode));
    expect((await fs.stat("")).type).toBe("dir");
  });

  it("stat follows a symlink, lstat does not", async () => {
    expect((await fs.stat("dir-link")).type).toBe("dir");
    expect((await fs.lstat("dir-link")).type).toBe("symlink");
    expect((await fs.stat("dir-link")).ino).toBe((await fs.stat("dir")).ino);
  });

  it("give ENOENT and ENOTDIR for what is not there", async () => {
    expect(await codeOf(fs.stat("missing"))).toBe("ENOENT");
    expect(await codeOf(fs.lstat("dir/missing"))).toBe("ENOENT");
    expect(await codeOf(fs.stat("file/x"))).toBe("ENOTDIR");
  });
});

describe("directories", () => {
  it("mkdir creates, and refuses what exists with EEXIST", async () => {
    await fs.mkdir("dir-link/new", 0o755);
    expect((await stat(join(root, "dir", "new"))).isDirectory()).toBe(true);
    expect(await codeOf(fs.mkdir("dir", 0o755))).toBe("EEXIST");
    expect(await codeOf(fs.mkdir("file", 0o755))).toBe("EEXIST");
    expect(await codeOf(fs.mkdir("", 0o755))).toBe("EEXIST");
    expect(await codeOf(fs.mkdir("missing/new", 0o755))).toBe("ENOENT");
  });

  it("mkdir refuses a bad mode with EINVAL and creates nothing", async () => {
    expect(await codeOf(fs.mkdir("bad", 0o170000))).toBe("EINVAL");
    expect(await codeOf(fs.mkdir("bad", -1))).toBe("EINVAL");
    expect(await codeOf(lstat(join(root, "bad")))).toBe("ENOENT");
  });

  it("rmdir removes an empty directory, refuses a non-empty one, a file and the root", async () => {
    expect(await codeOf(fs.rmdir("dir"))).toBe("ENOTEMPTY");
    expect(await codeOf(fs.rmdir("file"))).toBe("ENOTDIR");
    expect(await codeOf(fs.rmdir(""))).toBe("EBUSY");
    await rm(join(root, "dir", "inner", "f"));
    await fs.rmdir("dir/inner");
    expect(await codeOf(lstat(join(root, "dir", "inner")))).toBe("ENOENT");
  });
});

describe("names", () => {
  it("unlink removes a file, and a symlink itself rather than its target", async () => {
    await fs.unlink("dir-link");
    expect(await codeOf(lstat(join(root, "dir-link")))).toBe("ENOENT");
    expect((await stat(join(root, "dir"))).isDirectory()).toBe(true);
    await fs.unlink("file");
    expect(await codeOf(lstat(join(root, "file")))).toBe("ENOENT");
  });

  it("unlink of a directory fails as Linux fails it, and of a missing name with ENOENT", async () => {
    expect(["EISDIR", "EPERM"]).toContain(await codeOf(fs.unlink("dir")));
    expect(await codeOf(fs.unlink(""))).toBe("EISDIR");
    expect(await codeOf(fs.unlink("missing"))).toBe("ENOENT");
  });

  it("rename moves within and across directories, and refuses the root and a directory into itself", async () => {
    await fs.rename("file", "dir/inner/moved");
    expect(await readFile(join(root, "dir", "inner", "moved"), "utf8")).toBe("hello");
    await fs.rename("dir/inner/moved", "dir-link/again");
    expect(await readFile(join(root, "dir", "again"), "utf8")).toBe("hello");
    expect(await codeOf(fs.rename("", "x"))).toBe("EBUSY");
    expect(await codeOf(fs.rename("dir", ""))).toBe("EBUSY");
    expect(await codeOf(fs.rename("dir", "dir/inner/dir"))).toBe("EINVAL");
    expect(await codeOf(fs.rename("missing", "x"))).toBe("ENOENT");
  });

  it("symlink creates a link inside and readlink reads it back", async () => {
    await fs.symlink("../file", "dir/up-file");
    expect(await readlink(join(root, "dir", "up-file"))).toBe("../file");
    expect(await fs.readlink("dir/up-file")).toBe("../file");
    expect((await fs.stat("dir/up-file")).size).toBe(5);
    expect(await codeOf(fs.symlink("file", "file"))).toBe("EEXIST");
    expect(await codeOf(fs.readlink("file"))).toBe("EINVAL");
  });
});

describe("attributes and size", () => {
  it("chmod sets permission bits, through a symlink too", async () => {
    await fs.chmod("file", 0o600);
    expect((await stat(join(root, "file"))).mode & 0o7777).toBe(0o600);
    await fs.chmod("dir-link", 0o700);
    expect((await stat(join(root, "dir"))).mode & 0o7777).toBe(0o700);
    expect(await codeOf(fs.chmod("file", 0o10000))).toBe("EINVAL");
    expect((await stat(join(root, "file"))).mode & 0o7777).toBe(0o600);
  });

  it("truncate resizes and bumps the version; a directory is EISDIR", async () => {
    const before = (await fs.stat("file")).version;
    await fs.truncate("file", 2);
    expect(await readFile(join(root, "file"), "utf8")).toBe("he");
    expect((await fs.stat("file")).version).toBe(before + 1);
    await fs.truncate("file", 10);
    expect((await fs.stat("file")).size).toBe(10);
    await expect(fs.truncate("dir", 0)).rejects.toMatchObject({
      code: "EISDIR",
      syscall: "truncate",
      path: "dir",
    });
    expect(await codeOf(fs.truncate("file", -1))).toBe("EINVAL");
    expect((await fs.stat("file")).size).toBe(10);
  });

  it("create makes a file; exclusive refuses an existing name, non-exclusive leaves its content", async () => {
    const made = await fs.create("dir/new", 0o644, { exclusive: true });
    expect(made).toMatchObject({ type: "file", size: 0 });
    expect(made.version).toBeGreaterThan(0);
    expect(await codeOf(fs.create("dir/new", 0o644, { exclusive: true }))).toBe("EEXIST");
    expect(await codeOf(fs.create("dir-link", 0o644, { exclusive: true }))).toBe("EEXIST");
    const kept = await fs.create("file", 0o644, { exclusive: false });
    expect(kept.size).toBe(5);
    expect(await readFile(join(root, "file"), "utf8")).toBe("hello");
    expect(await codeOf(fs.create("dir", 0o644, { exclusive: false }))).toBe("EISDIR");
    expect(await codeOf(fs.create("missing/new", 0o644, { exclusive: false }))).toBe("ENOENT");
  });

  it("statfs reports the export's filesystem", async () => {
    const ours = await fs.statfs();
    const theirs = await statfs(root);
    expect(ours.blockSize).toBe(theirs.bsize);
    expect(ours.totalBytes).toBe(theirs.blocks * theirs.bsize);
    expect(ours.totalInodes).toBe(theirs.files);
    expect(ours.freeBytes).toBeLessThanOrEqual(ours.totalBytes);
    expect(ours.availableBytes).toBeLessThanOrEqual(ours.freeBytes);
    expect(ours.freeInodes).toBeLessThanOrEqual(ours.totalInodes);
  });
});

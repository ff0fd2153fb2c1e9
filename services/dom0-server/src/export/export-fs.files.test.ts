import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportFs } from "./export-fs.js";

const DOM = 1;
let base: string;
let root: string;
let fs: ExportFs;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "xenfs-files-")));
  root = join(base, "export");
  await mkdir(join(root, "dir"), { recursive: true });
  await writeFile(join(root, "file"), "0123456789");
  fs = new ExportFs(root, { maxOpenFilesPerGuest: 3, maxIoBytes: 64 });
});

afterEach(async () => {
  await fs.closeGuest(DOM);
  await fs.closeGuest(DOM + 1);
  await rm(base, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (err: { code: string }) => err.code,
  );
}

describe("read and write", () => {
  it("an acknowledged write is in the file: a fresh descriptor and the disk both see it", async () => {
    const id = await fs.open(DOM, "file", "r+");
    expect(await fs.write(DOM, id, 2, Buffer.from("ab"))).toBe(2);
    const fresh = await fs.open(DOM + 1, "file", "r");
    expect((await fs.read(DOM + 1, fresh, 0, 64)).toString()).toBe("01ab456789");
    expect(await readFile(join(root, "file"), "utf8")).toBe("01ab456789");
  });

  it("every write and truncate bumps the file's version by one, seen through any descriptor and path", async () => {
    const writer = await fs.open(DOM, "file", "r+");
    const reader = await fs.open(DOM + 1, "file", "r");
    const v0 = (await fs.fstat(DOM + 1, reader)).version;
    await fs.write(DOM, writer, 0, Buffer.from("x"));
    expect((await fs.fstat(DOM + 1, reader)).version).toBe(v0 + 1);
    await fs.write(DOM, writer, 20, Buffer.from("y"));
    expect((await fs.fstat(DOM, writer)).version).toBe(v0 + 2);
    await fs.ftruncate(DOM, writer, 4);
    const after = await fs.stat("file");
    expect(after).toMatchObject({ version: v0 + 3, size: 4 });
    expect(after.ino).toBe((await fs.fstat(DOM, writer)).ino);
  });

  it("reads short at end of file and empty past it", async () => {
    const id = await fs.open(DOM, "file", "r");
    expect((await fs.read(DOM, id, 7, 10)).toString()).toBe("789");
    expect((await fs.read(DOM, id, 100, 10)).length).toBe(0);
    expect((await fs.read(DOM, id, 0, 0)).length).toBe(0);
  });

  it("refuses bad positions, lengths and data with EINVAL", async () => {
    const id = await fs.open(DOM, "file", "r+");
    expect(await codeOf(fs.read(DOM, id, -1, 1))).toBe("EINVAL");
    expect(await codeOf(fs.read(DOM, id, 0, 65))).toBe("EINVAL");
    expect(await codeOf(fs.read(DOM, id, 0.5, 1))).toBe("EINVAL");
    expect(await codeOf(fs.write(DOM, id, -1, Buffer.from("z")))).toBe("EINVAL");
    expect(await codeOf(fs.write(DOM, id, 0, "text" as unknown as Uint8Array))).toBe("EINVAL");
    expect(await codeOf(fs.ftruncate(DOM, id, -5))).toBe("EINVAL");
    expect(await readFile(join(root, "file"), "utf8")).toBe("0123456789");
  });

  it("sync flushes an open file, and answers EBADF once it is closed", async () => {
    const id = await fs.open(DOM, "file", "r+");
    await fs.write(DOM, id, 0, Buffer.from("S"));
    await fs.sync(DOM, id);
    expect(await readFile(join(root, "file"), "utf8")).toBe("S123456789");
    await fs.close(DOM, id);
    expect(await codeOf(fs.sync(DOM, id))).toBe("EBADF");
  });
});

describe("open modes", () => {
  it("'r' needs the file; 'w' creates or empties it; 'wx' refuses an existing one; 'a' appends", async () => {
    expect(await codeOf(fs.open(DOM, "missing", "r"))).toBe("ENOENT");
    const created = await fs.open(DOM, "dir/new", "w");
    expect((await fs.fstat(DOM, created)).version).toBeGreaterThan(0);
    await fs.close(DOM, created);

    const before = (await fs.stat("file")).version;
    const emptied = await fs.open(DOM, "file", "w");
    expect((await fs.fstat(DOM, emptied)).size).toBe(0);
    expect((await fs.fstat(DOM, emptied)).version).toBe(before + 1);
    await fs.close(DOM, emptied);

    expect(await codeOf(fs.open(DOM, "file", "wx"))).toBe("EEXIST");
    await writeFile(join(root, "file"), "abc");
    const appender = await fs.open(DOM, "file", "a");
    await fs.write(DOM, appender, 0, Buffer.from("def"));
    expect(await readFile(join(root, "file"), "utf8")).toBe("abcdef");
  });

  it("a directory opens for reading but reads as EISDIR, and refuses write modes with EISDIR", async () => {
    const id = await fs.open(DOM, "dir", "r");
    expect(await codeOf(fs.read(DOM, id, 0, 1))).toBe("EISDIR");
    expect(await codeOf(fs.open(DOM, "dir", "w"))).toBe("EISDIR");
    expect(await codeOf(fs.open(DOM, "dir", "r+"))).toBe("EISDIR");
  });

  it("refuses unknown flags and a bad mode with EINVAL, creating nothing", async () => {
    expect(await codeOf(fs.open(DOM, "dir/x", "rw" as "r"))).toBe("EINVAL");
    expect(await codeOf(fs.open(DOM, "dir/x", "toString" as "r"))).toBe("EINVAL");
    expect(await codeOf(fs.open(DOM, "dir/x", "w", 0o200000))).toBe("EINVAL");
    expect(await codeOf(fs.stat("dir/x"))).toBe("ENOENT");
    expect(fs.openFileCount(DOM)).toBe(0);
  });

  it("refuses a FIFO (or any special file) with EACCES instead of blocking on it", async () => {
    execFileSync("mkfifo", [join(root, "pipe")]);
    expect(await codeOf(fs.open(DOM, "pipe", "r"))).toBe("EACCES");
    expect(fs.openFileCount(DOM)).toBe(0);
  });
});

describe("the open-file table", () => {
  it("refuses a guest's open beyond its limit with EMFILE, and creates nothing for it", async () => {
    for (let i = 0; i < 3; i += 1) await fs.open(DOM, "file", "r");
    expect(await codeOf(fs.open(DOM, "dir/should-not-exist", "wx"))).toBe("EMFILE");
    expect(await codeOf(fs.stat("dir/should-not-exist"))).toBe("ENOENT");
    expect(await fs.open(DOM + 1, "file", "r")).toBeGreaterThan(0);
  });

  it("a failed open does not use up the guest's allowance", async () => {
    for (let i = 0; i < 5; i += 1) expect(await codeOf(fs.open(DOM, "missing", "r"))).toBe("ENOENT");
    expect(fs.openFileCount(DOM)).toBe(0);
  });

  it("answers EBADF for bad, closed and other guests' ids", async () => {
    const id = await fs.open(DOM, "file", "r");
    expect(await codeOf(fs.read(DOM, 12345, 0, 1))).toBe("EBADF");
    expect(await codeOf(fs.read(DOM + 1, id, 0, 1))).toBe("EBADF");
    expect(await codeOf(fs.fstat(DOM + 1, id))).toBe("EBADF");
    await fs.close(DOM, id);
    expect(await codeOf(fs.read(DOM, id, 0, 1))).toBe("EBADF");
    expect(await codeOf(fs.write(DOM, id, 0, Buffer.from("x")))).toBe("EBADF");
    expect(await codeOf(fs.close(DOM, id))).toBe("EBADF");
  });

  it("closeGuest closes all of a guest's files, freeing its allowance", async () => {
    const ids = [await fs.open(DOM, "file", "r"), await fs.open(DOM, "file", "r")];
    expect(await fs.closeGuest(DOM)).toBe(2);
    for (const id of ids) expect(await codeOf(fs.read(DOM, id, 0, 1))).toBe("EBADF");
    expect(fs.openFileCount(DOM)).toBe(0);
  });
});

// The fs/promises subset against a real hypervisor and a real dom0 exporting a directory on
// disk, in every mode: results as Node gives them, failures with Node's codes.
import { readFile as readLocal, stat as statLocal, writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NS_TIMES, setTimesNs } from "../../test/times.js";
import { pattern, startTestHost, type TestHost } from "../../test/xenfs-host.js";
import { BUILT_MODES } from "../frontend/modes.js";
import type { XenfsMount } from "./mount.js";

describe.each(BUILT_MODES)("the mount in %s mode", (mode) => {
  let host: TestHost;
  let fs: XenfsMount;
  const local = (path: string) => join(host.exportDir, path);
  /** Where a guest's write lands on disk: the export, or in cow mode the guest's own overlay. */
  const landed = (path: string) =>
    mode === "cow" ? join(host.dom0.stateDir, "overlays", `api-${mode}`, path) : local(path);

  beforeAll(async () => {
    host = await startTestHost();
    fs = (await host.guest(`api-${mode}`, mode)).fs;
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("reads files as Buffers or strings, whole pages and partial ones", async () => {
    expect(await fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
    expect(await fs.readFile("docs/deep/big.bin")).toEqual(pattern(5 * 4096 + 123));
    expect(await fs.readFile("docs/deep/er/page.bin")).toEqual(pattern(4096, 3));
    expect((await fs.readFile("docs/deep/er/zero.bin")).length).toBe(0);
    expect(await fs.readFile("docs/link-in", { encoding: "utf8" })).toBe("# XenFS\n");
  });

  it("writes files that land on disk (the export; cow: the guest's overlay), and reads them back", async () => {
    const data = pattern(3 * 4096 + 17, 9);
    await fs.writeFile(`out-${mode}.bin`, data);
    expect(await readLocal(landed(`out-${mode}.bin`))).toEqual(data);
    expect(await fs.readFile(`out-${mode}.bin`)).toEqual(data);
    await fs.writeFile(`out-${mode}.bin`, "short");
    expect(await fs.readFile(`out-${mode}.bin`, "utf8")).toBe("short");
    await fs.appendFile(`out-${mode}.bin`, " and more");
    expect(await readLocal(landed(`out-${mode}.bin`), "utf8")).toBe("short and more");
  });

  it("lists directories with names and Dirent types", async () => {
    expect((await fs.readdir(".")).sort()).toEqual(
      expect.arrayContaining(["docs", "empty", "hello.txt", "link-out"]),
    );
    const entries = await fs.readdir("docs", { withFileTypes: true });
    const kinds = Object.fromEntries(
      entries.map((e) => [
        e.name,
        e.isFile() ? "file" : e.isDirectory() ? "dir" : e.isSymbolicLink() ? "link" : "?",
      ]),
    );
    expect(kinds).toEqual({ "readme.md": "file", deep: "dir", "link-in": "link" });
    expect(entries[0]?.parentPath).toBe("docs");
  });

  it("stats like Node: sizes, modes, types, times, and lstat of a link", async () => {
    const stats = await fs.stat("docs/deep/big.bin");
    const real = await statLocal(local("docs/deep/big.bin"));
    expect(stats.isFile()).toBe(true);
    expect([stats.size, stats.ino, stats.mode]).toEqual([real.size, real.ino, real.mode]);
    expect([stats.mtimeMs, stats.mtime]).toEqual([real.mtimeMs, real.mtime]);
    expect((await fs.stat("docs")).isDirectory()).toBe(true);
    expect((await fs.lstat("docs/link-in")).isSymbolicLink()).toBe(true);
    expect((await fs.stat("docs/link-in")).isFile()).toBe(true);
  });

  it("keeps a file's times to the nanosecond, as Node's own bigint stat gives them", async () => {
    const name = `times-${mode}.txt`;
    await writeLocal(local(name), "times");
    await setTimesNs(local(name), NS_TIMES);
    const exact = await statLocal(local(name), { bigint: true });
    const node = await statLocal(local(name));
    const handle = await fs.open(name);
    for (const stats of [await fs.stat(name), await handle.stat()]) {
      expect([stats.atimeNs, stats.mtimeNs, stats.ctimeNs, stats.birthtimeNs]).toEqual([
        exact.atimeNs,
        exact.mtimeNs,
        exact.ctimeNs,
        exact.birthtimeNs,
      ]);
      expect([stats.atimeMs, stats.mtimeMs, stats.ctimeMs]).toEqual([
        node.atimeMs,
        node.mtimeMs,
        node.ctimeMs,
      ]);
      expect(stats.mtime).toEqual(node.mtime);
    }
    await handle.close();
  });

  it("opens FileHandles that read, write, stat, truncate, sync and close", async () => {
    const name = `handle-${mode}.txt`;
    const handle = await fs.open(name, "w+");
    expect((await handle.write("hello world")).bytesWritten).toBe(11);
    await handle.write(Buffer.from("W"), 0, 1, 6);
    const buffer = Buffer.alloc(11);
    expect((await handle.read(buffer, 0, 11, 0)).bytesRead).toBe(11);
    expect(buffer.toString()).toBe("hello World");
    expect((await handle.stat()).size).toBe(11);
    await handle.truncate(5);
    await handle.sync();
    expect((await handle.read({ buffer: Buffer.alloc(16), position: 0 })).bytesRead).toBe(5);
    await handle.close();
    await expect(handle.stat()).rejects.toMatchObject({ code: "EBADF" });
    expect(await readLocal(landed(name), "utf8")).toBe("hello");

    const reader = await fs.open("docs/deep/big.bin");
    const first = await reader.read(Buffer.alloc(5000), 0, 5000);
    const second = await reader.read(Buffer.alloc(5000), 0, 5000);
    expect(Buffer.concat([first.buffer, second.buffer])).toEqual(pattern(5 * 4096 + 123).subarray(0, 10_000));
    expect(await reader.readFile()).toEqual(pattern(5 * 4096 + 123).subarray(10_000));
    await reader.close();
  });

  it("makes and removes directories, renames, truncates, links, chmods", async () => {
    const base = `tree-${mode}`;
    expect(await fs.mkdir(`${base}/a/b`, { recursive: true })).toBe(base);
    expect(await fs.mkdir(`${base}/a/b`, { recursive: true })).toBeUndefined();
    await fs.writeFile(`${base}/a/b/f.txt`, "data");
    await fs.rename(`${base}/a/b/f.txt`, `${base}/g.txt`);
    expect(await fs.exists(`${base}/a/b/f.txt`)).toBe(false);
    await fs.truncate(`${base}/g.txt`, 2);
    expect(await fs.readFile(`${base}/g.txt`, "utf8")).toBe("da");
    await fs.symlink("g.txt", `${base}/link`);
    expect(await fs.readlink(`${base}/link`)).toBe("g.txt");
    await fs.chmod(`${base}/g.txt`, 0o600);
    expect((await statLocal(landed(`${base}/g.txt`))).mode & 0o777).toBe(0o600);
    await fs.rmdir(`${base}/a/b`);
    await fs.unlink(`${base}/link`);
    await fs.rm(base, { recursive: true });
    expect(await fs.exists(base)).toBe(false);
    await fs.rm(base, { recursive: true, force: true });
  });

  it("fails with Node's codes: ENOENT, EISDIR, ENOTDIR, EEXIST, ENOTEMPTY", async () => {
    await expect(fs.readFile("missing.txt")).rejects.toMatchObject({
      code: "ENOENT",
      errno: -2,
      syscall: "open",
      path: "missing.txt",
    });
    await expect(fs.stat("docs/nope")).rejects.toMatchObject({ code: "ENOENT", syscall: "stat" });
    await expect(fs.readFile("docs")).rejects.toMatchObject({ code: "EISDIR" });
    await expect(fs.readdir("hello.txt")).rejects.toMatchObject({ code: "ENOTDIR", syscall: "scandir" });
    await expect(fs.stat("hello.txt/x")).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(fs.mkdir("docs")).rejects.toMatchObject({ code: "EEXIST", syscall: "mkdir" });
    await expect(fs.open("hello.txt", "wx")).rejects.toMatchObject({ code: "EEXIST" });
    await expect(fs.rmdir("docs")).rejects.toMatchObject({ code: "ENOTEMPTY", syscall: "rmdir" });
    await expect(fs.rm("docs")).rejects.toMatchObject({ code: "EISDIR" });
    await expect(fs.unlink("missing")).rejects.toMatchObject({ code: "ENOENT", syscall: "unlink" });
    await expect(fs.rename("missing", "x")).rejects.toMatchObject({ code: "ENOENT", dest: "x" });
  });
});

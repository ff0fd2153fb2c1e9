// Paths never escape the export: every way out is refused with Node's code, and the disk stays
// as it was.
import { readdir as readdirLocal } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";
import type { XenfsMount } from "./mount.js";

describe("paths out of the export", () => {
  let host: TestHost;
  let fs: XenfsMount;

  beforeAll(async () => {
    host = await startTestHost();
    fs = (await host.guest("escaper", "shared")).fs;
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("refuses `..` and absolute paths", async () => {
    await expect(fs.readFile("../etc/passwd")).rejects.toMatchObject({ code: "EACCES" });
    await expect(fs.readdir("docs/../..")).rejects.toMatchObject({ code: "EACCES", syscall: "scandir" });
    await expect(fs.stat("/etc/passwd")).rejects.toMatchObject({ code: "EACCES", path: "/etc/passwd" });
    await expect(fs.writeFile("../escaped.txt", "x")).rejects.toMatchObject({ code: "EACCES" });
  });

  it("refuses to follow a symlink that points out, but lets it be examined", async () => {
    await expect(fs.readFile("link-out/passwd")).rejects.toMatchObject({ code: "EXDEV" });
    await expect(fs.stat("link-out")).rejects.toMatchObject({ code: "EXDEV" });
    expect((await fs.lstat("link-out")).isSymbolicLink()).toBe(true);
    expect(await fs.readlink("link-out")).toBe("/etc");
    await expect(fs.symlink("../../outside", "docs/new-link")).rejects.toMatchObject({ code: "EXDEV" });
  });

  it("refuses NUL bytes and overlong names and paths", async () => {
    await expect(fs.readFile("hello\0.txt")).rejects.toMatchObject({ code: "EINVAL" });
    await expect(fs.writeFile(`${"n".repeat(256)}.txt`, "x")).rejects.toMatchObject({ code: "ENAMETOOLONG" });
    await expect(fs.stat(`a/${"b/".repeat(2100)}`)).rejects.toMatchObject({ code: "ENAMETOOLONG" });
  });

  it("changed nothing on disk", async () => {
    expect((await readdirLocal(host.exportDir)).sort()).toEqual(["docs", "empty", "hello.txt", "link-out"]);
    expect((await readdirLocal(`${host.exportDir}/docs`)).sort()).toEqual(["deep", "link-in", "readme.md"]);
  });
});

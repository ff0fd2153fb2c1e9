// dom0 restarts under a mounted guest: the device reconnects through xenbus, what was asked
// meanwhile is answered by the new backend, and open files carry on (reopened by path).
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";

describe("a dom0 restart under a mounted guest", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("answers requests made while dom0 was away and keeps open files working", async () => {
    const { fs } = await host.guest("survivor", "shared", { requestTimeoutMs: 20_000 });
    expect(await fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
    const handle = await fs.open("docs/readme.md");

    await host.stopDom0();
    const whileAway = fs.readFile("docs/deep/er/page.bin");
    await host.startDom0();

    expect((await whileAway).length).toBe(4096);
    expect(fs.state).toBe("Connected");
    expect(await fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    expect(buffer.subarray(0, bytesRead).toString()).toBe("# XenFS\n");
    await handle.close();
  });

  it("keeps a handle opened to write ('w', 'a') writing after dom0 restarts: reopened without create or truncate", async () => {
    const { fs } = await host.guest("writer", "shared", { requestTimeoutMs: 20_000 });
    const writer = await fs.open("written.txt", "w");
    await writer.write("before ");
    const appender = await fs.open("appended.txt", "a");
    await appender.write("one ");

    await host.stopDom0();
    await host.startDom0();

    await writer.write("after");
    await appender.write("two");
    expect(await writer.stat()).toMatchObject({ size: 12 });
    await Promise.all([writer.close(), appender.close()]);
    expect(await readFile(join(host.exportDir, "written.txt"), "utf8")).toBe("before after");
    expect(await readFile(join(host.exportDir, "appended.txt"), "utf8")).toBe("one two");
  });

  it("answers ESTALE for a file removed or replaced behind an open handle while dom0 was away", async () => {
    await writeFile(join(host.exportDir, "doomed.txt"), "doomed");
    await writeFile(join(host.exportDir, "replaced.txt"), "old");
    const { fs } = await host.guest("stale", "shared", { requestTimeoutMs: 20_000 });
    const doomed = await fs.open("doomed.txt", "r+");
    const replaced = await fs.open("replaced.txt");
    expect((await replaced.read(Buffer.alloc(3), 0, 3, 0)).bytesRead).toBe(3);

    await host.stopDom0();
    await unlink(join(host.exportDir, "doomed.txt"));
    await writeFile(join(host.exportDir, "replacement.txt"), "new");
    await rename(join(host.exportDir, "replacement.txt"), join(host.exportDir, "replaced.txt"));
    await host.startDom0();

    await expect(doomed.write("x", 0)).rejects.toMatchObject({
      code: "ESTALE",
      syscall: "write",
      path: "doomed.txt",
    });
    await expect(doomed.stat()).rejects.toMatchObject({ code: "ESTALE" });
    await expect(replaced.read(Buffer.alloc(3), 0, 3, 0)).rejects.toMatchObject({ code: "ESTALE" });
    await Promise.all([doomed.close(), replaced.close()]);
    // The path itself works: it names the new file.
    expect(await fs.readFile("replaced.txt", "utf8")).toBe("new");
  });

  it("fails with ETIMEDOUT, not a hang, when the backend does not come back in time", async () => {
    const { fs } = await host.guest("stranded", "copy", { requestTimeoutMs: 500 });
    await host.stopDom0();
    await expect(fs.stat("hello.txt")).rejects.toMatchObject({ code: "ETIMEDOUT", syscall: "stat" });
  });
});

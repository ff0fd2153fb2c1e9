// dom0 restarts under a mounted guest: the device reconnects through xenbus, what was asked
// meanwhile is answered by the new backend, and open files carry on (reopened by path).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../test-support/xenfs-host.js";

describe("a dom0 restart under a mounted guest", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.close();
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

  it("fails with ENOTCONN, not a hang, when the backend does not come back in time", async () => {
    const { fs } = await host.guest("stranded", "copy", { requestTimeoutMs: 500 });
    await host.stopDom0();
    await expect(fs.stat("hello.txt")).rejects.toMatchObject({ code: "ENOTCONN", syscall: "stat" });
  });
});

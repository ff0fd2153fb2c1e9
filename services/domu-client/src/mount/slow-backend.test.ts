// A guest whose backend is slow to come: mount() waits as long as it takes and says how long so
// far, at growing intervals; only a bound the user sets makes it give up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";

describe("mount() while dom0's backend is not there yet", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost();
    await host.stopDom0();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("waits, reporting how long at growing intervals, and mounts once the backend comes", async () => {
    const waited: number[] = [];
    let reported: () => void = () => {};
    const twice = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const mounting = host.guest("patient", "shared", {
      connectTimeoutMs: 0,
      onWaiting: (ms) => {
        waited.push(ms);
        if (waited.length === 2) reported();
      },
    });
    await twice;
    // 1 s, then 2 s more: each report later than the one before, by a growing step.
    expect(waited[0]).toBeGreaterThanOrEqual(990);
    expect(waited[1]! - waited[0]!).toBeGreaterThanOrEqual(1990);
    await host.startDom0();
    const { fs } = await mounting;
    expect(fs.state).toBe("Connected");
    expect(await fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
  });

  it("gives up with MountError (ENOTCONN) only when a bound is set", async () => {
    await host.stopDom0();
    await expect(host.guest("bounded", "copy", { connectTimeoutMs: 300 })).rejects.toMatchObject({
      name: "MountError",
      code: "ENOTCONN",
      message: "no XenFS backend connected within 300ms",
    });
  });
});

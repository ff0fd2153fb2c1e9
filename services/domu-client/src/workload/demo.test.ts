// The demo workload on a real mount: it reads the whole tree, writes only under guests/<name>/,
// and stops when asked, mid-pause.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";
import { CurrentMount } from "../rejoin/current-mount.js";
import { DemoWorkload } from "./demo.js";

describe("DemoWorkload", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("reads every file, makes random reads and writes into its own area", async () => {
    const { domain, fs } = await host.guest("worker", "shared");
    const workload = new DemoWorkload(new CurrentMount(fs, domain.domid), {
      name: "worker",
      random: () => 0.5,
    });
    await workload.round();
    expect(workload.stats).toMatchObject({ rounds: 1, filesRead: 5, errors: 0 });
    expect(workload.stats.bytesRead).toBeGreaterThan(5 * 4096);
    expect((await readdir(join(host.exportDir, "guests/worker"))).sort()).toEqual(["log.txt", "round-0.txt"]);
    await workload.round();
    expect(await readFile(join(host.exportDir, "guests/worker/log.txt"), "utf8")).toMatch(
      /round 0.*\n.*round 1/,
    );
  });

  it("loops until stopped, and stops during its pause", async () => {
    const { domain, fs } = await host.guest("looper", "copy");
    const workload = new DemoWorkload(new CurrentMount(fs, domain.domid), {
      name: "looper",
      pauseMs: 60_000,
    });
    workload.start();
    while (workload.stats.rounds === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await workload.stop();
    expect(workload.stats.rounds).toBe(1);
    expect(workload.stats.errors).toBe(0);
  });
});

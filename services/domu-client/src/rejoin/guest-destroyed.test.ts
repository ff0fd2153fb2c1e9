// A guest whose domain is destroyed under it (its session lost for good): the call it was making
// fails with ENOTCONN at once, not at its deadline; it joins again under the same name, mounts,
// and serves files again, its counters going on.
import { readFile as readLocal } from "node:fs/promises";
import { join } from "node:path";
import { CLUSTER_TOKEN, destroyDomain, domidsNamed, faultRules, until } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";
import { type DomuClient, startDomuClient } from "../app.js";

interface MountView {
  domid: number;
  state: string;
  requests: number;
}

describe("a guest whose domain is destroyed", () => {
  let host: TestHost;
  const guests: DomuClient[] = [];
  const start = (name: string, faults?: string) =>
    startDomuClient({
      hypervisorUrl: host.hv.url,
      clusterToken: CLUSTER_TOKEN,
      name,
      port: 0,
      connectTimeoutMs: 10_000,
      // Far beyond the test's own timeout: a call that fails did not wait for its deadline.
      requestTimeoutMs: 600_000,
      ...(faults === undefined ? {} : { faults }),
    });

  beforeAll(async () => {
    host = await startTestHost();
    guests.push(await start("phoenix", "delay=1ms"), await start("calm"));
  });
  afterAll(async () => {
    for (const guest of guests) await guest.close();
    await host?.stop();
  });

  it("injects its XEN_FAULTS on its own session only", async () => {
    const [phoenix] = guests;
    expect(await faultRules(host.hv)).toEqual([`delay=1ms@${phoenix?.domid}`]);
  });

  it("fails the call in flight with ENOTCONN, rejoins under its name, and serves files again", async () => {
    const guest = guests[0] as DomuClient;
    const get = (path: string, init?: RequestInit) => fetch(`${guest.httpUrl}${path}`, init);
    const mountView = async () => (await (await get("/api/mount")).json()) as MountView;
    expect(await (await get("/fs/hello.txt")).text()).toBe("hello, xenfs\n");
    const before = await mountView();

    // With dom0 away the guest's request waits on its ring: in flight when the domain dies.
    await host.stopDom0();
    const inFlight = get("/fs/phoenix.txt", { method: "PUT", body: "risen" });
    await until("the PUT's request", async () => (await mountView()).requests > before.requests);
    await destroyDomain(host.hv, before.domid);
    const failed = await inFlight;
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ error: { code: "ENOTCONN" } });

    await host.startDom0();
    await until("the guest to be ready again", async () => (await get("/readyz")).status === 200);
    const after = await mountView();
    expect(after.state).toBe("Connected");
    // The old domain was destroyed: the one listed under the name is the new one.
    expect(await domidsNamed(host.hv, "phoenix")).toEqual([after.domid]);
    expect(after.requests).toBe(before.requests + 1); // the PUT's lstat: totals go on
    expect(await (await get("/fs/hello.txt")).text()).toBe("hello, xenfs\n");
    expect((await get("/fs/phoenix.txt", { method: "PUT", body: "risen" })).status).toBe(201);
    expect(await readLocal(join(host.exportDir, "phoenix.txt"), "utf8")).toBe("risen");
  });
});

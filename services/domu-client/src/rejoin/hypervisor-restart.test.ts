// The hypervisor restarts under dom0 and a guest, and every domain goes with it. While there is
// no hypervisor the guest is not ready and fails calls with ENOTCONN at once; then dom0 and the
// guest join the new one, the guest mounts through dom0's new backend and serves files again,
// with its own XEN_FAULTS applied again and its counters going on.
import { mkdtemp, readFile as readLocal, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import { CLUSTER_TOKEN, DOM0_TOKEN, faultRules, startTestHypervisor, until } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleExport, TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { type DomuClient, startDomuClient } from "../app.js";

describe("a hypervisor restart under dom0 and a guest", () => {
  let hv: Hypervisor;
  let dom0: Dom0Server;
  let guest: DomuClient;
  let exportDir: string;
  const get = (path: string, init?: RequestInit) => fetch(`${guest.httpUrl}${path}`, init);
  const mountView = async () => (await (await get("/api/mount")).json()) as Record<string, unknown>;

  beforeAll(async () => {
    exportDir = await mkdtemp(join(tmpdir(), "xenfs-export-"));
    await sampleExport(exportDir);
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir,
      stateDir: `${exportDir}.state`,
      port: 0,
      cacheMb: 8,
    });
    guest = await startDomuClient({
      hypervisorUrl: hv.url,
      clusterToken: CLUSTER_TOKEN,
      name: "survivor",
      port: 0,
      connectTimeoutMs: 10_000,
      // Far beyond the test's own timeout: a call that fails did not wait for its deadline.
      requestTimeoutMs: 600_000,
      faults: "delay=1ms",
    });
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
    await rm(exportDir, { recursive: true, force: true });
    await rm(`${exportDir}.state`, { recursive: true, force: true });
  });

  it("is not ready and fails fast while the hypervisor is away, then rejoins and serves again", async () => {
    expect(await (await get("/fs/hello.txt")).text()).toBe("hello, xenfs\n");
    const { requests } = await mountView();

    const { port } = hv;
    await hv.close();
    await until("the guest to be not ready", async () => (await get("/readyz")).status === 503);
    expect(await mountView()).toMatchObject({ state: "Rejoining" });
    const refused = await get("/fs/hello.txt");
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: "ENOTCONN" } });

    hv = await startTestHypervisor({ ...TEST_HYPERVISOR_OPTIONS, port });
    await until("the guest to be ready again", async () => (await get("/readyz")).status === 200);
    // The process's totals, not the new mount's: nothing was asked since the restart.
    expect(await mountView()).toMatchObject({ state: "Connected", domid: guest.domid, requests });
    expect(await (await get("/fs/hello.txt")).text()).toBe("hello, xenfs\n");
    expect((await get("/fs/after.txt", { method: "PUT", body: "restarted" })).status).toBe(201);
    expect(await readLocal(join(exportDir, "after.txt"), "utf8")).toBe("restarted");
    expect(await faultRules(hv)).toEqual([`delay=1ms@${guest.domid}`]);
  });
});

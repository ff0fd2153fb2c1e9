// A block-mode guest through a hypervisor restart: the rejoin loop that serves the XenFS modes
// serves block mode too. While the hypervisor is away the guest is not ready and fails calls
// with ENOTCONN at once; then dom0 and the guest join the new one, the guest attaches its vbd on
// dom0's new blkback, mounts the image again and serves its files.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import { CLUSTER_TOKEN, DOM0_TOKEN, startTestHypervisor, until } from "@xenfs/testkit";
import { skipReason } from "@xenfs/testkit-skip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleExport, TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { type DomuClient, startDomuClient } from "../app.js";

const MKFS = "/usr/sbin/mkfs.ext4";
const missing = spawnSync(MKFS, ["-V"]).error ? `no ${MKFS} (apt-get install e2fsprogs)` : undefined;
const TITLE = "a hypervisor restart under a block-mode guest";

describe.skipIf(skipReason(TITLE, missing))(TITLE, () => {
  let hv: Hypervisor;
  let dom0: Dom0Server;
  let guest: DomuClient;
  let base: string;
  const get = (path: string, init?: RequestInit) => fetch(`${guest.httpUrl}${path}`, init);
  const mountView = async () => (await (await get("/api/mount")).json()) as Record<string, unknown>;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "block-rejoin-"));
    const exportDir = join(base, "export");
    await mkdir(exportDir);
    await sampleExport(exportDir);
    const image = join(base, "disk.img");
    execFileSync(MKFS, ["-q", "-F", "-d", exportDir, image, "8M"], { stdio: "pipe" });
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir,
      stateDir: join(base, "state"),
      port: 0,
      cacheMb: 8,
      vbd: { image, readonly: true },
    });
    guest = await startDomuClient({
      hypervisorUrl: hv.url,
      clusterToken: CLUSTER_TOKEN,
      name: "block-survivor",
      mode: "block",
      port: 0,
      connectTimeoutMs: 10_000,
    });
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
    await rm(base, { recursive: true, force: true });
  });

  it("is not ready and fails fast while the hypervisor is away, then mounts its vbd again and serves", async () => {
    expect(guest.mount.mode).toBe("block");
    expect(await (await get("/fs/hello.txt")).text()).toBe("hello, xenfs\n");
    const { bytesRead } = await mountView();

    const { port } = hv;
    await hv.close();
    await until("the guest to be not ready", async () => (await get("/readyz")).status === 503);
    expect(await mountView()).toMatchObject({ mode: "block", state: "Rejoining" });
    const refused = await get("/fs/hello.txt");
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: "ENOTCONN" } });

    hv = await startTestHypervisor({ ...TEST_HYPERVISOR_OPTIONS, port });
    await until("the guest to be ready again", async () => (await get("/readyz")).status === 200);
    // The process's totals go on across the remount.
    expect(await mountView()).toMatchObject({
      mode: "block",
      state: "Connected",
      domid: guest.domid,
      bytesRead,
    });
    expect(await (await get("/fs/docs/readme.md")).text()).toBe("# XenFS\n");
    expect((await get("/fs/after.txt", { method: "PUT", body: "x" })).status).toBe(403);
  });
});

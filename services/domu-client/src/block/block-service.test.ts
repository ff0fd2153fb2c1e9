// The guest service with XENFS_MODE=block, as real processes: several guests on one read-only
// image serve its files through their admin API (the same routes as in the other modes), refuse
// changes with EROFS, and stop cleanly; a guest given an image with no filesystem logs why, keeps
// retrying, never crashes, and dom0 serves on.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import { buildEnv } from "@xenfs/service-kit";
import { CLUSTER_TOKEN, DOM0_TOKEN, JsonLinesProcess, startTestHypervisor } from "@xenfs/testkit";
import { skipReason } from "@xenfs/testkit-skip";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pattern, sampleExport, TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { DOMU_ENV } from "../env.js";

const MKFS = "/usr/sbin/mkfs.ext4";
const missing = spawnSync(MKFS, ["-V"]).error ? `no ${MKFS} (apt-get install e2fsprogs)` : undefined;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const processes: JsonLinesProcess[] = [];

/** The guest service (main.ts) in block mode; resolves once it logged "guest ready". */
async function startBlockGuest(hypervisorUrl: string, name: string, workload: "none" | "demo" = "none") {
  const process = startGuestProcess(hypervisorUrl, name, workload);
  const ready = await process.waitFor<{ domid: number; url: string }>(
    "guest ready",
    (m) => m.msg === "guest ready",
    60_000,
  );
  return { process, ...ready };
}

function startGuestProcess(hypervisorUrl: string, name: string, workload: "none" | "demo" = "none") {
  const env = buildEnv(DOMU_ENV, {
    PORT: 0,
    HOST: "127.0.0.1",
    XEN_HYPERVISOR_URL: hypervisorUrl,
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOMAIN_NAME: name,
    XENFS_MODE: "block",
    XENFS_WORKLOAD: workload,
    LOG_LEVEL: "info",
  });
  const process = JsonLinesProcess.start(name, "services/domu-client/src/main.ts", env);
  processes.push(process);
  return process;
}

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
});

interface Host {
  readonly hv: Hypervisor;
  readonly dom0: Dom0Server;
  readonly image: string;
  readonly base: string;
}

async function startHost(makeImage: (exportDir: string, image: string) => Promise<void>): Promise<Host> {
  const base = await mkdtemp(join(tmpdir(), "block-service-"));
  const exportDir = join(base, "export");
  await mkdir(exportDir);
  await sampleExport(exportDir);
  const image = join(base, "disk.img");
  await makeImage(exportDir, image);
  const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  const dom0 = await startDom0Server({
    hypervisorUrl: hv.url,
    dom0Token: DOM0_TOKEN,
    exportDir,
    port: 0,
    cacheMb: 8,
    vbd: { image, readonly: true },
  });
  return { hv, dom0, image, base };
}

async function stopHost(host: Host | undefined): Promise<void> {
  if (!host) return;
  await host.dom0.close();
  await host.hv.close();
  await rm(host.base, { recursive: true, force: true });
}

const TITLE = "the guest service in block mode";

describe.skipIf(skipReason(TITLE, missing))(TITLE, () => {
  describe("three guests on one read-only image", () => {
    let host: Host;
    beforeAll(async () => {
      host = await startHost(async (exportDir, image) => {
        execFileSync(MKFS, ["-q", "-F", "-d", exportDir, image, "8M"], { stdio: "pipe" });
      });
    });
    afterAll(() => stopHost(host));

    it("each serves the image's files over /fs, reports block mode on /api/mount, refuses PUT with EROFS", async () => {
      const before = sha(await readFile(host.image));
      // One runs the demo workload: it walks and reads, and writes nothing on a read-only mount.
      const guests = await Promise.all([
        startBlockGuest(host.hv.url, "blk-svc-a", "demo"),
        startBlockGuest(host.hv.url, "blk-svc-b"),
        startBlockGuest(host.hv.url, "blk-svc-c"),
      ]);
      expect(new Set(guests.map((g) => g.domid)).size).toBe(3);
      for (const { url } of guests) {
        expect(await (await fetch(`${url}/fs/hello.txt`)).text()).toBe("hello, xenfs\n");
        const big = Buffer.from(await (await fetch(`${url}/fs/docs/deep/big.bin`)).arrayBuffer());
        expect(sha(big)).toBe(sha(pattern(5 * 4096 + 123)));
        const listing = (await (await fetch(`${url}/fs/docs`)).json()) as { name: string; type: string }[];
        expect(Object.fromEntries(listing.map((e) => [e.name, e.type]))).toEqual({
          "readme.md": "file",
          deep: "directory",
          "link-in": "symlink",
        });
        expect((await fetch(`${url}/fs/missing.txt`)).status).toBe(404);
        const put = await fetch(`${url}/fs/new.txt`, { method: "PUT", body: "x" });
        expect(put.status).toBe(403);
        expect(await put.text()).toMatch(/EROFS/);
        expect((await fetch(`${url}/fs/hello.txt`, { method: "DELETE" })).status).toBe(403);
        const mount = (await (await fetch(`${url}/api/mount`)).json()) as Record<string, unknown>;
        expect(mount).toMatchObject({ mode: "block", state: "Connected", bytesWritten: 0 });
        expect(mount["bytesRead"]).toBeGreaterThanOrEqual(5 * 4096 + 123);
      }
      await Promise.all(guests.map((g) => g.process.stop()));
      // The demo guest read on through its rounds and failed none (it writes nothing read-only).
      await expect(
        guests[0]?.process.waitFor("a failed round", (m) => m.msg === "workload round failed", 1),
      ).rejects.toThrow(/exited .* waiting for a failed round/);
      expect(sha(await readFile(host.image))).toBe(before);
    });
  });

  describe("an image with no filesystem", () => {
    let host: Host;
    beforeAll(async () => {
      host = await startHost(async (_exportDir, image) => {
        await writeFile(image, pattern(2 * 1024 * 1024, 9));
      });
    });
    afterAll(() => stopHost(host));

    it("is logged with its reason while the guest retries; neither the guest nor dom0 crashes", async () => {
      const guest = startGuestProcess(host.hv.url, "blk-svc-junk");
      const warned = await guest.waitFor<{ err?: { message?: string } }>(
        "the mount's failure",
        (m) => m.msg === "guest could not attach its devices; retrying",
        60_000,
      );
      expect(warned.err?.message).toMatch(/vbd 0 holds no ext2\/3\/4 filesystem .*no ext2\/3\/4 superblock/);
      // It tries again (a fixed image could be served meanwhile), still running.
      await guest.waitFor(
        "a second attempt",
        (m) => m.msg === "guest could not attach its devices; retrying",
        60_000,
      );
      expect(guest.pid).toBeDefined();
      // dom0 serves on: a XenFS guest beside it mounts and reads.
      const env = buildEnv(DOMU_ENV, {
        PORT: 0,
        HOST: "127.0.0.1",
        XEN_HYPERVISOR_URL: host.hv.url,
        XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
        XEN_DOMAIN_NAME: "xenfs-svc-beside",
        XENFS_MODE: "shared",
      });
      const beside = JsonLinesProcess.start("xenfs-svc-beside", "services/domu-client/src/main.ts", env);
      processes.push(beside);
      const { url } = await beside.waitFor<{ url: string }>(
        "guest ready",
        (m) => m.msg === "guest ready",
        60_000,
      );
      expect(await (await fetch(`${url}/fs/hello.txt`)).text()).toBe("hello, xenfs\n");
      await guest.stop();
    });
  });
});

// dom0's vbd backend goes away mid-stream and a new one comes: every request blkfront had on the
// ring is issued again on the new ring, and the disk ends up exactly as the model says.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlkbackDriver, ImageClaims } from "@xenfs/dom0-server";
import { VBD_DEVICE } from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { XenbusBackend } from "@xenfs/xenbus";
import { expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { attachVbd } from "./attach.js";

const SECTOR = 512;
const SECTORS = 2048;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

it("re-issues what was in flight when the backend went, on the next backend, and loses nothing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "vbd-reconnect-"));
  const image = join(dir, "disk.img");
  const model = Buffer.alloc(SECTORS * SECTOR);
  await writeFile(image, model);
  const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  const dom0 = await joinDom0(hv);
  const claims = new ImageClaims();
  const serve = async () => {
    const driver = await BlkbackDriver.open(dom0, { image, readonly: false, claims }, silentLogger());
    const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
    await backend.start();
    return { driver, backend };
  };
  let first: Awaited<ReturnType<typeof serve>> | undefined = await serve();
  const guest = await joinGuest(hv, "reconnecting");
  const vbd = await attachVbd(guest, { reconnectTimeoutMs: 10_000 });
  try {
    // 64 writes of 32 sectors each, all in flight while the backend is taken away and replaced.
    const writes = Array.from({ length: 64 }, (_, i) => {
      const data = Buffer.alloc(32 * SECTOR, i + 1);
      data.copy(model, i * 32 * SECTOR);
      return vbd.disk.write(i * 32, data);
    });
    await first.backend.close();
    await first.driver.close();
    first = undefined;
    const second = await serve();
    await Promise.all(writes);
    await vbd.disk.flush();
    expect(sha(await vbd.disk.read(0, SECTORS))).toBe(sha(model));
    expect(sha(await readFile(image))).toBe(sha(model));
    expect(vbd.disk.reissued).toBeGreaterThan(0);
    await vbd.close();
    await second.backend.close();
    await second.driver.close();
  } finally {
    await guest.close();
    await dom0.close();
    await hv.close();
    await rm(dir, { recursive: true, force: true });
  }
});

it("fails a request ESHUTDOWN when no backend comes back in time", async () => {
  const dir = await mkdtemp(join(tmpdir(), "vbd-gone-"));
  const image = join(dir, "disk.img");
  await writeFile(image, Buffer.alloc(64 * SECTOR));
  const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  const dom0 = await joinDom0(hv);
  const driver = await BlkbackDriver.open(
    dom0,
    { image, readonly: true, claims: new ImageClaims() },
    silentLogger(),
  );
  const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
  await backend.start();
  const guest = await joinGuest(hv, "abandoned");
  const vbd = await attachVbd(guest, { reconnectTimeoutMs: 300 });
  try {
    await backend.close();
    await driver.close();
    await expect(vbd.disk.read(0, 8)).rejects.toMatchObject({ code: "ESHUTDOWN" });
  } finally {
    await vbd.close();
    await guest.close();
    await dom0.close();
    await hv.close();
    await rm(dir, { recursive: true, force: true });
  }
});

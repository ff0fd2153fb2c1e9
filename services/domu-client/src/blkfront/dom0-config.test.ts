// dom0 told to serve an image (XENFS_VBD_IMAGE / XENFS_VBD_MODE as startDom0Server's `vbd`):
// guests find it as vbd/0 beside XenFS; a bad image is logged and XenFS is served regardless.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { createLogger } from "@xenfs/service-kit";
import { DOM0_TOKEN, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { attachVbd } from "./attach.js";

describe("dom0's vbd configuration", () => {
  let hv: Hypervisor;
  let base: string;
  let dom0: Dom0Server | undefined;
  const guests: XenDomain[] = [];

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "vbd-dom0-"));
    await mkdir(join(base, "export"));
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  });
  afterEach(async () => {
    await Promise.allSettled(guests.splice(0).map((g) => g.close()));
    await dom0?.close();
    await hv.close();
    await rm(base, { recursive: true, force: true });
  });

  const start = (image: string, logs: string[] = []) =>
    startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir: join(base, "export"),
      port: 0,
      vbd: { image, readonly: true },
      logger: createLogger({
        service: "dom0-server",
        level: "info",
        destination: { write: (line: string) => logs.push(line) },
      }),
    });

  it("serves the image to a guest as vbd/0", async () => {
    const image = join(base, "disk.img");
    await writeFile(image, Buffer.alloc(16 * 512, 0xab));
    dom0 = await start(image);
    const guest = await joinGuest(hv, "vbd-user");
    guests.push(guest);
    const vbd = await attachVbd(guest);
    expect(vbd.disk.geometry).toMatchObject({ sectors: 16, readonly: true });
    expect(Array.from((await vbd.disk.read(15, 1)).subarray(0, 2))).toEqual([0xab, 0xab]);
    await vbd.close();
  });

  it("logs a truncated image with its reason and serves XenFS all the same", async () => {
    const image = join(base, "short.img");
    await writeFile(image, Buffer.alloc(1000));
    const logs: string[] = [];
    dom0 = await start(image, logs);
    const health = await fetch(`${dom0.httpUrl}/readyz`);
    expect(health.status).toBe(200);
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === "vbd not served");
    expect(line).toMatchObject({
      code: "EINVAL",
      reason: expect.stringMatching(/1000 bytes, not a multiple of the 512-byte sector/),
    });
  });
});

// blkfront's pages on the frame map (mem_annotate, docs/observing.md#frame-map): the pool's data
// and indirect pages are `io_buffer`, exactly as many as the pool holds, with and without
// persistent grants; the ring is `ring`; when the vbd is closed they are given back and gone.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlkbackDriver, ImageClaims } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import { VBD_DEVICE } from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { XenbusBackend } from "@xenfs/xenbus";
import { expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { attachVbd } from "./attach.js";

interface Encoded {
  total: number;
  types: string[];
  owner: string;
  type: string;
}

async function kinds(hv: Hypervisor, domid: number): Promise<Record<string, number>> {
  const map = (await (await fetch(`${hv.httpUrl}/api/frames`)).json()) as Encoded;
  const o = Buffer.from(map.owner, "base64");
  const owner = new Uint16Array(o.buffer, o.byteOffset, o.byteLength / 2);
  const type = Buffer.from(map.type, "base64");
  const counts: Record<string, number> = {};
  for (let mfn = 0; mfn < map.total; mfn++) {
    if (owner[mfn] !== domid) continue;
    const name = map.types[type[mfn]!]!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

it.each([true, false])(
  "shows blkfront's pool as io_buffer frames, exactly (persistent %s)",
  async (persistent) => {
    const dir = await mkdtemp(join(tmpdir(), "vbd-frames-"));
    const image = join(dir, "disk.img");
    await writeFile(image, Buffer.alloc(4 * 1024 * 1024, 7));
    const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    const dom0 = await joinDom0(hv);
    const driver = await BlkbackDriver.open(
      dom0,
      { image, readonly: true, claims: new ImageClaims() },
      silentLogger(),
    );
    const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
    await backend.start();
    const guest = await joinGuest(hv, "vbd-frames");
    try {
      const vbd = await attachVbd(guest, { persistent, maxRingPageOrder: 1 });
      expect(await kinds(hv, guest.domid)).not.toHaveProperty("io_buffer");
      // Direct and indirect requests at once: the pool grows by the data and indirect pages.
      await Promise.all([vbd.disk.read(0, 64), vbd.disk.read(2048, 1600)]);
      const pool = vbd.disk.pool!;
      expect(pool.size).toBeGreaterThan(8);
      const seen = await kinds(hv, guest.domid);
      expect(seen["io_buffer"]).toBe(pool.size);
      expect(seen["ring"]).toBe(2);
      await vbd.close();
      // The backend lets go, the pool ends its grants and gives the frames back: nothing is left.
      const deadline = Date.now() + 5_000;
      while ((await kinds(hv, guest.domid))["io_buffer"] !== undefined && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(await kinds(hv, guest.domid)).not.toHaveProperty("io_buffer");
    } finally {
      await guest.close();
      await backend.close();
      await driver.close();
      await dom0.close();
      await hv.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

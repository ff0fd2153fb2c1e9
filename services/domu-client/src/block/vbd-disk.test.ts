// The disk ext2fs mounts, at byte granularity, against a model: unaligned reads and writes across
// sectors and cache chunks, through a real vbd — on a writable disk to dom0's image, on a
// read-only one into the guest's overlay only.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlkbackDriver, ImageClaims } from "@xenfs/dom0-server";
import { VBD_DEVICE } from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { XenbusBackend } from "@xenfs/xenbus";
import { describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { attachVbd } from "../blkfront/index.js";
import { VbdDisk } from "./vbd-disk.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const SIZE = 1024 * 1024;

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe.each([false, true])("VbdDisk (read-only %s)", (readonly) => {
  it("reads back every unaligned write, and only a writable disk's image changes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vbd-disk-"));
    const image = join(dir, "disk.img");
    const next = rng(readonly ? 3 : 4);
    const model = Buffer.from(Array.from({ length: SIZE }, () => next(256)));
    await writeFile(image, model);
    const original = sha(model);
    const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    const dom0 = await joinDom0(hv);
    const driver = await BlkbackDriver.open(
      dom0,
      { image, readonly, claims: new ImageClaims() },
      silentLogger(),
    );
    const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
    await backend.start();
    const guest = await joinGuest(hv, "disk");
    const vbd = await attachVbd(guest);
    try {
      // A small cache, so chunks are evicted and read again.
      const disk = new VbdDisk(vbd.disk, readonly, { cacheBytes: 256 * 1024 });
      for (let i = 0; i < 60; i++) {
        const length = 1 + next(i % 3 ? 3000 : 140_000);
        const at = next(SIZE - length);
        if (next(2)) {
          const data = Buffer.from(Array.from({ length }, () => next(256)));
          await disk.write(Buffer.concat([Buffer.alloc(7), data]), 7, length, at);
          data.copy(model, at);
        } else {
          const out = Buffer.alloc(length + 5);
          await disk.read(out, 5, length, at);
          expect(sha(out.subarray(5)), `read ${at}+${length}`).toBe(sha(model.subarray(at, at + length)));
        }
      }
      const all = Buffer.alloc(SIZE);
      await disk.read(all, 0, SIZE, 0);
      expect(sha(all)).toBe(sha(model));
      await disk.flush();
      expect(sha(await readFile(image))).toBe(readonly ? original : sha(model));
      expect(disk.overlaySectors > 0).toBe(readonly);
    } finally {
      await vbd.close();
      await guest.close();
      await backend.close();
      await driver.close();
      await dom0.close();
      await hv.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The vbd pair through a real hypervisor: blkback in dom0 serving a raw image file, blkfront in
// guests, every byte compared with a model of the disk.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlkbackDriver, type BlkbackOptions, ImageClaims } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { VBD_DEVICE } from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { XenbusBackend } from "@xenfs/xenbus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { type AttachedVbd, attachVbd } from "./attach.js";
import type { BlkfrontOptions } from "./blkfront.js";

const SECTOR = 512;
const IMAGE_SECTORS = 4096; // 2 MiB

/** A deterministic stream for offsets and contents, so a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function bytes(length: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length }, () => next(256));
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A hypervisor, dom0 running blkback for one image, and guests that attach it. */
async function startHost(image: Uint8Array, options: Omit<BlkbackOptions, "image" | "claims">) {
  const dir = await mkdtemp(join(tmpdir(), "vbd-"));
  const path = join(dir, "disk.img");
  await writeFile(path, image);
  const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  const dom0 = await joinDom0(hv);
  const driver = await BlkbackDriver.open(
    dom0,
    { image: path, claims: new ImageClaims(), ...options },
    silentLogger(),
  );
  const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
  await backend.start();
  const guests: XenDomain[] = [];
  const vbds: AttachedVbd[] = [];
  return {
    path,
    driver,
    async guest(name: string, opts: BlkfrontOptions = {}) {
      const domain = await joinGuest(hv, name);
      guests.push(domain);
      const vbd = await attachVbd(domain, opts);
      vbds.push(vbd);
      return { domain, vbd };
    },
    async joinOnly(name: string) {
      const domain = await joinGuest(hv, name);
      guests.push(domain);
      return domain;
    },
    async stop() {
      await Promise.allSettled(vbds.map((v) => v.close()));
      await Promise.allSettled(guests.map((g) => g.close()));
      await backend.close();
      await driver.close();
      await dom0.close();
      await (hv as Hypervisor).close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Host = Awaited<ReturnType<typeof startHost>>;

describe.each([
  { persistent: true, maxRingPageOrder: 0 },
  { persistent: false, maxRingPageOrder: 2 },
])("a writable vbd (persistent grants $persistent, ring order $maxRingPageOrder)", (mode) => {
  let host: Host;
  let vbd: AttachedVbd;
  const model = bytes(IMAGE_SECTORS * SECTOR, 1);

  beforeAll(async () => {
    host = await startHost(model, { readonly: false });
    ({ vbd } = await host.guest("writer", mode));
  });
  afterAll(async () => host?.stop());

  it("publishes the disk's geometry and features", () => {
    expect(vbd.disk.geometry).toMatchObject({
      sectorSize: 512,
      sectors: IMAGE_SECTORS,
      readonly: false,
      flush: true,
      persistent: mode.persistent,
      maxIndirectSegments: 256,
      ringPages: 2 ** mode.maxRingPageOrder,
    });
  });

  it("reads, writes and flushes at random offsets exactly as a model of the disk, direct and indirect", async () => {
    const next = rng(42);
    for (let round = 0; round < 12; round++) {
      // Several requests in flight at once, to distinct ranges; some past 11 pages (indirect).
      const ops = Array.from({ length: 6 }, (_, k) => {
        const count = 1 + next(k % 2 ? 40 : 700);
        const sector = next(IMAGE_SECTORS - count);
        return { sector, count, write: next(2) === 0, seed: round * 100 + k };
      });
      const used = new Set<number>();
      const distinct = ops.filter((op) => {
        for (let s = op.sector; s < op.sector + op.count; s++) if (used.has(s)) return false;
        for (let s = op.sector; s < op.sector + op.count; s++) used.add(s);
        return true;
      });
      await Promise.all(
        distinct.map(async (op) => {
          const at = op.sector * SECTOR;
          if (op.write) {
            const data = bytes(op.count * SECTOR, op.seed);
            await vbd.disk.write(op.sector, data);
            model.set(data, at);
          } else {
            const got = await vbd.disk.read(op.sector, op.count);
            expect(sha(got)).toBe(sha(model.subarray(at, at + op.count * SECTOR)));
          }
        }),
      );
      if (round % 4 === 3) await vbd.disk.flush();
    }
    await vbd.disk.flush();
    expect(sha(await readFile(host.path))).toBe(sha(model));
    expect(sha(await vbd.disk.read(0, IMAGE_SECTORS))).toBe(sha(model));
    const [view] = host.driver.guests();
    expect(view?.indirect).toBeGreaterThan(0);
    expect(view?.answered.error).toBe(0);
  });

  it(
    mode.persistent
      ? "grants each pooled page once and dom0 maps each once, kept: no grant operation per request"
      : "grants, maps, unmaps and ends each page per request (no persistent grants)",
    async () => {
      const pool = vbd.disk.pool;
      const before = { ...(host.driver.guests()[0] as { grantMaps: number; grantUnmaps: number }) };
      const granted = pool?.grants ?? 0;
      for (let i = 0; i < 20; i++) await vbd.disk.read(i * 64, 64);
      const after = host.driver.guests()[0] as { grantMaps: number; grantUnmaps: number; kept: number };
      if (mode.persistent) {
        expect(pool?.grants).toBe(pool?.size); // each page granted once, when the pool grew
        expect(pool?.grants).toBe(granted); // warm pool: these reads granted nothing
        expect(after.grantMaps).toBe(before.grantMaps); // ... and dom0 mapped nothing new
        expect(after.grantUnmaps).toBe(0);
        expect(after.kept).toBe(after.grantMaps);
        expect(after.kept).toBeLessThanOrEqual(pool?.size ?? 0);
      } else {
        expect((pool?.grants ?? 0) - granted).toBe(20 * 8); // 64 sectors = 8 pages a read
        expect(pool?.ends).toBe(pool?.grants);
        expect(after.grantMaps - before.grantMaps).toBe(20 * 8);
        expect(after.grantUnmaps).toBe(after.grantMaps);
        expect(after.kept).toBe(0);
      }
    },
  );

  it("refuses a second guest the writable image with a clear error, and keeps serving the first", async () => {
    const error = await host.guest("second-writer").catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ENODEV",
      message: expect.stringMatching(
        /attached writable to guest \d+; a writable image is attached to one guest only/,
      ),
    });
    expect(sha(await vbd.disk.read(0, 16))).toBe(sha(model.subarray(0, 16 * SECTOR)));
  });

  it("refuses a range past the disk's end before sending it", async () => {
    await expect(vbd.disk.read(IMAGE_SECTORS - 1, 2)).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("gives the writable disk to another guest once its writer detaches, with the writer's data", async () => {
    await vbd.close();
    const { domain, vbd: next } = await host.guest("next-writer", mode);
    expect(sha(await next.disk.read(0, IMAGE_SECTORS))).toBe(sha(model));
    // A writer that dies without detaching gives the disk up too: dom0 sees the domain go.
    await domain.close();
    const { vbd: third } = await host.guest("third-writer", mode);
    expect(sha(await third.disk.read(0, 64))).toBe(sha(model.subarray(0, 64 * SECTOR)));
    expect(host.driver.guests()).toHaveLength(1);
  });
});

describe("a read-only vbd shared by many guests", () => {
  let host: Host;
  const image = bytes(IMAGE_SECTORS * SECTOR, 7);

  beforeAll(async () => {
    host = await startHost(image, { readonly: true });
  });
  afterAll(async () => host?.stop());

  it("attaches to four guests at once; each reads every byte of the image", async () => {
    const guests = await Promise.all(["ro-a", "ro-b", "ro-c", "ro-d"].map((name) => host.guest(name)));
    for (const { vbd } of guests) expect(vbd.disk.geometry).toMatchObject({ readonly: true, flush: false });
    const reads = await Promise.all(guests.map(({ vbd }) => vbd.disk.read(0, IMAGE_SECTORS)));
    for (const got of reads) expect(sha(got)).toBe(sha(image));
    expect(host.driver.guests()).toHaveLength(4);
  });

  it("answers a write with BLKIF_RSP_ERROR, which the guest sees as EROFS; the image is unchanged", async () => {
    const { vbd } = await host.guest("ro-writer");
    const before = host.driver.guests().reduce((n, g) => n + g.answered.error, 0);
    await expect(vbd.disk.write(8, new Uint8Array(SECTOR * 20))).rejects.toMatchObject({
      code: "EROFS",
      status: -1,
    });
    await expect(vbd.disk.write(8, new Uint8Array(SECTOR * 200))).rejects.toMatchObject({ code: "EROFS" });
    await expect(vbd.disk.flush()).rejects.toMatchObject({ code: "EROFS" });
    const after = host.driver.guests().reduce((n, g) => n + g.answered.error, 0);
    expect(after - before).toBe(2); // both writes went to dom0 and were refused there
    expect(sha(await readFile(host.path))).toBe(sha(image));
  });
});

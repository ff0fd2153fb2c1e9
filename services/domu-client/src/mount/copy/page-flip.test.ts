// Copy mode with page flipping (docs/xenfs.md "Page flipping"), end to end: negotiated on xenbus,
// reads arrive by GNTTABOP_transfer and whole-page writes leave that way, the bytes are right at
// any offset, and frame counts are exact — level for the guest, for dom0 and in use after a
// read, after a write, and after the guest dies — while a shared-mode guest's mappings of the
// same page-cache frames stay put (dom0 flips fresh copies, never a cached frame).
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { XENFS_FEATURE_ON, XenfsKey } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { hvApi, type MemoryView, until } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../../test/xenfs-host.js";
import type { XenfsMount } from "../mount.js";

const FILE = "docs/deep/big.bin"; // 5 pages and 123 bytes
const BIG = pattern(5 * 4096 + 123);

interface Counts {
  used: number;
  dom0: number;
  guest: number;
}

describe("copy mode with page flipping", () => {
  let host: TestHost;
  let flipper: { domain: XenDomain; fs: XenfsMount };
  let sharer: { domain: XenDomain; fs: XenfsMount };
  const counts = async (guest: XenDomain): Promise<Counts> => {
    const view = await hvApi<MemoryView>(host.hv, "/api/memory");
    const framesOf = (domid: number) => view.domains.find((d) => d.domid === domid)?.frames ?? -1;
    return { used: view.frames.used, dom0: framesOf(0), guest: framesOf(guest.domid) };
  };

  beforeAll(async () => {
    host = await startTestHost();
    await writeFile(join(host.exportDir, "out.bin"), pattern(4 * 4096, 9));
    // A shared-mode guest maps the page-cache frames of the files the flipping guest uses.
    sharer = await host.guest("sharer", "shared");
    expect(await sharer.fs.readFile(FILE)).toEqual(BIG);
    await sharer.fs.readFile("out.bin");
    flipper = await host.guest("flipper", "copy", { pageFlip: true });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("is negotiated on xenbus: the backend offers it, the frontend asks for it", async () => {
    const front = `/local/domain/${flipper.domain.domid}/device/xenfs/0`;
    const back = await flipper.domain.xs.read(`${front}/backend`);
    expect(await flipper.domain.xs.read(`${back}/${XenfsKey.featurePageFlip}`)).toBe(XENFS_FEATURE_ON);
    expect(await flipper.domain.xs.read(`${front}/${XenfsKey.requestPageFlip}`)).toBe(XENFS_FEATURE_ON);
    expect(await sharer.domain.xs.read(`/local/domain/${sharer.domain.domid}/device/xenfs/0/mode`)).toBe(
      "shared",
    );
  });

  it("reads by transfer: right bytes at any offset, every frame given back", async () => {
    await flipper.fs.readFile(FILE); // dom0's cache holds the file now
    const before = await counts(flipper.domain);
    const flipped = flipper.fs.snapshot().pagesFlippedIn;
    expect(await flipper.fs.readFile(FILE)).toEqual(BIG);
    const handle = await flipper.fs.open(FILE, "r");
    for (const [position, length] of [
      [0, 1],
      [4095, 2],
      [100, 3 * 4096],
      [5 * 4096 + 100, 100], // past the end: 23 bytes
    ] as const) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      expect(buffer.subarray(0, bytesRead)).toEqual(BIG.subarray(position, position + length));
    }
    await handle.close();
    // 6 pages for the whole file, then 1 + 2 + 4 + 1.
    expect(flipper.fs.snapshot().pagesFlippedIn - flipped).toBe(6 + 1 + 2 + 4 + 1);
    expect(flipper.fs.snapshot().pagesHeld).toBe(0); // flipped frames are not kept
    expect(await counts(flipper.domain)).toEqual(before);
  });

  it("never flips a page-cache frame away: the shared guest keeps its mappings and bytes", async () => {
    const local = sharer.fs.snapshot().readsLocal;
    expect(await sharer.fs.readFile(FILE)).toEqual(BIG);
    expect(sharer.fs.snapshot().readsLocal).toBeGreaterThan(local);
  });

  it("writes whole pages by transfer and the rest by copy; disk and readers see them", async () => {
    const data = pattern(2 * 4096 + 10, 5);
    await flipper.fs.writeFile("out.bin", pattern(4 * 4096, 9)); // warms dom0's refs and cache
    const before = await counts(flipper.domain);
    const { pagesFlippedOut: out, flipFallbacks } = flipper.fs.snapshot();
    const handle = await flipper.fs.open("out.bin", "r+");
    await handle.write(data, 0, data.length, 100);
    await handle.close();
    expect(flipper.fs.snapshot().pagesFlippedOut - out).toBe(2);
    expect(flipper.fs.snapshot().flipFallbacks).toBe(flipFallbacks);
    const expected = pattern(4 * 4096, 9);
    expected.set(data, 100);
    expect(await readFile(join(host.exportDir, "out.bin"))).toEqual(expected);
    expect(await sharer.fs.readFile("out.bin")).toEqual(expected);
    expect(await flipper.fs.readFile("out.bin")).toEqual(expected);
    expect(await counts(flipper.domain)).toEqual(before);
  });

  it("a guest asking for it outside copy mode is refused at mount", async () => {
    await expect(host.guest("wrong-mode", "shared", { pageFlip: true })).rejects.toMatchObject({
      name: "PageFlipModeError",
      code: "EINVAL",
    });
  });

  it("after the guest dies, dom0 holds exactly what it held before the guest came", async () => {
    await flipper.fs.readFile(FILE); // the files the guest uses are in dom0's cache already
    await flipper.fs.readFile("out.bin");
    const view = await hvApi<MemoryView>(host.hv, "/api/memory");
    const dom0Before = view.domains.find((d) => d.domid === 0)?.frames;
    const guest = await host.guest("short-lived", "copy", { pageFlip: true });
    expect(await guest.fs.readFile(FILE)).toEqual(BIG);
    await guest.fs.writeFile("out.bin", pattern(4 * 4096, 11));
    expect(guest.fs.snapshot().pagesFlippedOut).toBe(4);
    await guest.domain.close(); // no unmount: the domain is gone
    await until("dom0 let go of the dead guest", async () => {
      const now = await hvApi<MemoryView>(host.hv, "/api/memory");
      return (
        now.domains.every((d) => d.domid !== guest.domain.domid) &&
        now.domains.find((d) => d.domid === 0)?.frames === dom0Before
      );
    });
  });

  it("goes on flipping after dom0 restarts: the old refs are void, new ones are asked for", async () => {
    await host.stopDom0();
    await host.startDom0();
    const data = pattern(3 * 4096, 13);
    const { pagesFlippedOut: out, pagesFlippedIn: into } = flipper.fs.snapshot();
    await flipper.fs.writeFile("out.bin", data);
    expect(await flipper.fs.readFile("out.bin")).toEqual(data);
    expect(await readFile(join(host.exportDir, "out.bin"))).toEqual(data);
    expect(flipper.fs.snapshot().pagesFlippedOut - out).toBe(3);
    expect(flipper.fs.snapshot().pagesFlippedIn - into).toBe(3);
  });
});

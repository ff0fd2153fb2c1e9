// Runs of pages: filled with one disk read, granted in one batch, and dom0's grant table kept
// from running out by ending the least recently used grants.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dom0Cache, PAGE } from "../../test/dom0-cache.js";
import type { PageReader } from "./page-cache.js";

/** A file whose page i holds the byte i + 1 throughout; records each read as [first page, pages]. */
function pagedDisk(pages: number) {
  const reads: [number, number][] = [];
  const read: PageReader = async (position, length) => {
    const first = position / PAGE;
    const count = Math.max(0, Math.min(length / PAGE, pages - first));
    reads.push([first, count]);
    const bytes = new Uint8Array(count * PAGE);
    for (let i = 0; i < count; i++) bytes.fill(first + i + 1, i * PAGE, (i + 1) * PAGE);
    return bytes;
  };
  return { read, reads };
}

describe("runs of pages", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let alice: XenDomain;
  let bob: XenDomain;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv);
    // One table frame: 504 refs to give out, so a test can run out of them.
    await dom0.grants.setup(1);
    alice = await joinGuest(hv, "alice");
    bob = await joinGuest(hv, "bob");
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await dom0?.close();
    await hv?.close();
  });

  it("fills a run of misses with one disk read, keeping the pages already cached", async () => {
    const cache = await dom0Cache(dom0, 16);
    const disk = pagedDisk(10);
    const held = await cache.acquire("2:10", 3, disk.read);
    cache.unpin(held);
    const pages = await cache.acquireRun("2:10", 0, 8, disk.read);
    expect(pages.map((page) => page.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pages[3]).toBe(held);
    expect(disk.reads).toEqual([
      [3, 1],
      [0, 3],
      [4, 4],
    ]);
    const contents = await Promise.all(pages.map((page) => dom0.memory.read(page.gpfn, PAGE - 1, 1)));
    expect(contents.map((bytes) => bytes[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const page of pages) cache.unpin(page);
    await cache.close();
  });

  it("answers a shorter run when the budget holds fewer pages, and none past it", async () => {
    const cache = await dom0Cache(dom0, 4);
    const disk = pagedDisk(10);
    const pages = await cache.acquireRun("2:20", 0, 8, disk.read);
    expect(pages.map((page) => page.index)).toEqual([0, 1, 2, 3]);
    await expect(cache.acquireRun("2:20", 4, 4, disk.read)).rejects.toMatchObject({ code: "ENOMEM" });
    for (const page of pages) cache.unpin(page);
    const next = await cache.acquireRun("2:20", 4, 4, disk.read);
    expect(next.map((page) => page.index)).toEqual([4, 5, 6, 7]);
    expect(cache.stats()).toMatchObject({ frames: 4, evictions: 4 });
    for (const page of next) cache.unpin(page);
    await cache.close();
  });

  it("ends the oldest idle grants when the grant table runs out, rather than fail", async () => {
    const free = dom0.grants.freeRefs;
    const cache = await dom0Cache(dom0, free + 64);
    const disk = pagedDisk(free + 64);
    const old = await cache.acquireRun("2:30", 0, free, disk.read);
    await cache.grantAll(old, alice.domid);
    for (const page of old) cache.unpin(page);
    expect(dom0.grants.freeRefs).toBe(0);

    const fresh = await cache.acquireRun("2:30", free, 64, disk.read);
    const refs = await cache.grantAll(fresh, bob.domid);
    for (const page of fresh) cache.unpin(page);
    expect(new Set(refs).size).toBe(64);
    expect(cache.grantsOf(bob.domid)).toBe(64);
    expect(cache.grantsOf(alice.domid)).toBeLessThanOrEqual(free - 64);
    // The oldest went: bob's pages and the newest of alice's are still granted.
    expect(old[0]?.grants.has(alice.domid)).toBe(false);
    expect(old.at(-1)?.grants.has(alice.domid)).toBe(true);
    const { gpfn } = await bob.grants.mapGrantRef(0, refs[0] as number, { readonly: true });
    expect((await bob.memory.read(gpfn, 0, 1))[0]).toBe((free + 1) & 0xff);
    await cache.close();
  });
});

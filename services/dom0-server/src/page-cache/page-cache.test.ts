import type { Hypervisor } from "@xenfs/hypervisor";
import type { GrantRevokeEvent, XenDomain } from "@xenfs/libxen";
import { hvApi, joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dom0Cache, fakeDisk, PAGE } from "../../test/dom0-cache.js";

interface DomainView {
  domid: number;
  grants: number;
  maps: number;
  frames: number;
}

describe("the page cache over a real hypervisor", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let alice: XenDomain;
  let bob: XenDomain;
  const dom0View = async () => (await hvApi<DomainView[]>(hv, "/api/domains")).find((d) => d.domid === 0)!;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv);
    alice = await joinGuest(hv, "alice");
    bob = await joinGuest(hv, "bob");
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await dom0?.close();
    await hv?.close();
  });

  it("fills a page from disk once and shares its one frame with every guest", async () => {
    const cache = await dom0Cache(dom0, 8);
    const disk = fakeDisk(PAGE + 10);
    const first = await cache.acquire("1:10", 1, disk.read);
    const again = await cache.acquire("1:10", 1, disk.read);
    expect(again).toBe(first);
    expect(disk.reads).toEqual([1]);
    expect(cache.stats()).toMatchObject({ frames: 1, hits: 1, misses: 1, files: 1 });

    const toAlice = await cache.grantTo(first, alice.domid);
    const toBob = await cache.grantTo(first, bob.domid);
    expect(await cache.grantTo(first, alice.domid)).toBe(toAlice);
    expect(toBob).not.toBe(toAlice);
    for (const [guest, ref] of [
      [alice, toAlice],
      [bob, toBob],
    ] as const) {
      const { gpfn, handle } = await guest.grants.mapGrantRef(0, ref, { readonly: true });
      const bytes = await guest.memory.read(gpfn, 0, 12);
      // 10 bytes of the file, then zeros past its end.
      expect([...bytes]).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0]);
      await expect(guest.memory.write(gpfn, 0, new Uint8Array([9]))).rejects.toMatchObject({
        code: "EACCES",
      });
      await guest.grants.unmapGrantRef(handle);
    }
    await cache.close();
    expect(cache.stats().frames).toBe(0);
  });

  it("stays within its budget, evicting the least recently used page no guest maps first", async () => {
    const cache = await dom0Cache(dom0, 3);
    const disk = fakeDisk(10 * PAGE);
    const get = async (index: number) => {
      const page = await cache.acquire("1:20", index, disk.read);
      cache.unpin(page);
      return page;
    };
    const zero = await get(0);
    await cache.grantTo(zero, alice.domid); // granted: evicted last, though oldest
    await get(1);
    await get(2);
    await get(1); // 1 is now more recent than 2
    await get(3); // full: 2 goes, the coldest page nobody maps
    await get(4); // then 1
    expect(cache.stats()).toMatchObject({ frames: 3, evictions: 2 });
    disk.reads.length = 0;
    await get(0);
    await get(3);
    await get(4);
    expect(disk.reads).toEqual([]);
    await get(2);
    expect(disk.reads).toEqual([2]);
    await cache.close();
  });

  it("refuses to evict pinned pages rather than go over budget", async () => {
    const cache = await dom0Cache(dom0, 1);
    const disk = fakeDisk(2 * PAGE);
    const held = await cache.acquire("1:30", 0, disk.read);
    await expect(cache.acquire("1:30", 1, disk.read)).rejects.toMatchObject({ code: "ENOMEM" });
    expect(cache.stats().frames).toBe(1);
    cache.unpin(held);
    await cache.close();
  });

  it("revokes mapped pages under pressure: one guest unmaps, the other loses the mapping by force", async () => {
    const cache = await dom0Cache(dom0, 1, 150);
    const disk = fakeDisk(2 * PAGE);
    const page = await cache.acquire("1:40", 0, disk.read);
    cache.unpin(page);
    const toAlice = await cache.grantTo(page, alice.domid);
    const toBob = await cache.grantTo(page, bob.domid);
    const aliceMap = await alice.grants.mapGrantRef(0, toAlice, { readonly: true });
    const bobMap = await bob.grants.mapGrantRef(0, toBob, { readonly: true });
    await bob.memory.read(bobMap.gpfn, 0, 1);
    // alice keeps libxen's default (unmap when asked); bob ignores the request.
    const bobEvents: GrantRevokeEvent[] = [];
    bob.grants.on("revoke", (event) => bobEvents.push(event));
    const grantsBefore = (await dom0View()).grants;

    const next = await cache.acquire("1:40", 1, disk.read);
    cache.unpin(next);

    expect(cache.stats()).toMatchObject({ frames: 1, evictions: 1, revocations: 2 });
    expect(bobEvents.map((e) => e.forced)).toEqual([false, true]);
    expect(alice.grants.mappings.has(aliceMap.handle)).toBe(false);
    expect(bob.grants.mappings.has(bobMap.handle)).toBe(false);
    expect(bob.memory.holds(bobMap.gpfn)).toBe(false);
    expect((await dom0View()).grants).toBe(grantsBefore - 2);
    bob.grants.removeAllListeners("revoke");
    await cache.close();
  });

  it("writes bytes into frames guests hold, and zeros what a truncate cut off", async () => {
    const cache = await dom0Cache(dom0, 4);
    const disk = fakeDisk(2 * PAGE);
    const page = await cache.acquire("1:50", 0, disk.read);
    const ref = await cache.grantTo(page, alice.domid);
    const { gpfn, handle } = await alice.grants.mapGrantRef(0, ref, { readonly: true });
    await alice.memory.read(gpfn, 0, 1);
    const spare = await cache.acquire("1:50", 1, disk.read);
    cache.unpin(spare);

    // A write across the page boundary reaches the held frame; the rest of it is not cached.
    await cache.written("1:50", PAGE - 2, new Uint8Array([7, 7, 7, 7]));
    expect([...(await alice.memory.read(gpfn, PAGE - 3, 3))]).toEqual([1, 7, 7]);

    await cache.truncated("1:50", 100);
    expect([...(await alice.memory.read(gpfn, 98, 4))]).toEqual([1, 1, 0, 0]);
    expect(cache.stats().frames).toBe(1); // page 1, past the end and unmapped, is freed
    await alice.grants.unmapGrantRef(handle);
    cache.unpin(page);
    await cache.close();
  });

  it("ends grants a guest releases, ignores refs it was never given, and forgets an unlinked file", async () => {
    const cache = await dom0Cache(dom0, 4);
    const disk = fakeDisk(PAGE);
    const page = await cache.acquire("1:60", 0, disk.read);
    cache.unpin(page);
    const ref = await cache.grantTo(page, alice.domid);
    const toBob = await cache.grantTo(page, bob.domid);
    const { handle } = await alice.grants.mapGrantRef(0, ref, { readonly: true });
    await alice.grants.unmapGrantRef(handle);

    await cache.release(alice.domid, [ref, toBob, 99_999]);
    expect(cache.grantsOf(alice.domid)).toBe(0);
    expect(cache.grantsOf(bob.domid)).toBe(1);
    expect(cache.stats().revocations).toBe(0);

    cache.forget("1:60");
    await cache.close();
    expect(cache.grantsOf(bob.domid)).toBe(0);
    expect(cache.stats().frames).toBe(0);
  });

  it("leaves a forgotten file's pages alone when its inode number comes back for a new file", async () => {
    const cache = await dom0Cache(dom0, 4, 2_000);
    const page = await cache.acquire("1:61", 0, fakeDisk(PAGE).read);
    cache.unpin(page);
    const ref = await cache.grantTo(page, alice.domid);
    // alice keeps the dead file's page mapped, so taking it back waits on her.
    const { handle, gpfn } = await alice.grants.mapGrantRef(0, ref, { readonly: true });
    cache.forget("1:61");
    // ext4 gives the number to the next file made: a replace empties it, then writes it.
    await cache.truncated("1:61", 0);
    await cache.written("1:61", 0, new Uint8Array(PAGE).fill(0xee));
    expect(await alice.memory.read(gpfn, 0, 4)).toEqual(new Uint8Array([1, 1, 1, 1]));
    const fresh = await cache.acquire("1:61", 0, fakeDisk(PAGE).read);
    expect(fresh.gpfn).not.toBe(page.gpfn);
    cache.unpin(fresh);
    await alice.grants.unmapGrantRef(handle);
    await cache.close();
  });
});

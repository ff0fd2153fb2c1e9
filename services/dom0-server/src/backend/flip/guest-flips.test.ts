// dom0's side of whole-page writes by flip (docs/xenfs.md "Page flipping"), on both transports:
// the guest's frame itself changes owner (same machine frame, frames in use unchanged), refs
// not offered or empty are refused with the frames that did arrive freed, and at close a frame
// that arrived but was never named in a write_flip (the guest died in between) goes back to Xen.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { hvApi, joinDom0, joinGuest, type MemoryView, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GuestFlips } from "./guest-flips.js";

describe.each(TRANSPORTS)("GuestFlips (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  const counts = async () => {
    const view = await hvApi<MemoryView>(hv, "/api/memory");
    const framesOf = (domid: number) => view.domains.find((d) => d.domid === domid)?.frames;
    return { used: view.frames.used, dom0: framesOf(0), guest: framesOf(guest.domid) };
  };
  const mfnOf = async (domain: XenDomain, gpfn: number) =>
    (await domain.session.call({ memTranslate: { gpfns: [gpfn] } })).memTranslate?.mfns?.[0];

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    guest = await joinGuest(hv, `flips-${transport}`, { memoryTransport: transport });
    await Promise.all([dom0.grants.setup(1), guest.grants.setup(1)]);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("receives the guest's own frames: same mfns, owner dom0, counts exact", async () => {
    const flips = new GuestFlips(dom0, guest.domid);
    const refs = await flips.offer(2);
    expect(flips.offered).toBe(2);
    const pages = await guest.memory.populatePhysmap(2);
    await guest.memory.writeSpan(pages, new Uint8Array(8192).fill(0x7e));
    const mfns = await Promise.all(pages.map((gpfn) => mfnOf(guest, gpfn)));
    const before = await counts();
    for (const [i, gpfn] of pages.entries()) await guest.grants.transfer(gpfn, 0, refs[i]!);
    const gpfns = await flips.receive(refs);
    expect(await Promise.all(gpfns.map((gpfn) => mfnOf(dom0, gpfn)))).toEqual(mfns);
    expect(await dom0.memory.read(gpfns[1]!, 4095, 1)).toEqual(Uint8Array.of(0x7e));
    expect(await counts()).toEqual({ ...before, dom0: before.dom0! + 2, guest: before.guest! - 2 });
    expect(flips.offered).toBe(0);
    await dom0.memory.decreaseReservation(gpfns);
    await flips.close();
  });

  it("refuses a ref it did not offer or one nothing arrived in, freeing what did arrive", async () => {
    const flips = new GuestFlips(dom0, guest.domid);
    const [full, empty] = (await flips.offer(2)) as [number, number];
    await expect(flips.receive([full + 1000])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(flips.receive([full, full])).rejects.toMatchObject({ code: "EINVAL" });
    const [page] = (await guest.memory.populatePhysmap(1)) as [number];
    const before = await counts();
    await guest.grants.transfer(page, 0, full);
    await expect(flips.receive([full, empty])).rejects.toMatchObject({ code: "EINVAL" });
    // The arrived frame went back to Xen; both refs are used up.
    expect(await counts()).toEqual({ ...before, used: before.used - 1, guest: before.guest! - 1 });
    expect(flips.offered).toBe(0);
  });

  it("at close frees a frame that arrived unclaimed and ends the unused refs", async () => {
    const flips = new GuestFlips(dom0, guest.domid);
    const [used, unused] = (await flips.offer(2)) as [number, number];
    const [page, spare] = (await guest.memory.populatePhysmap(2)) as [number, number];
    const before = await counts();
    await guest.grants.transfer(page, 0, used); // the guest dies before its write_flip
    await flips.close();
    expect(await counts()).toEqual({ ...before, used: before.used - 1, guest: before.guest! - 1 });
    // The unused ref is no longer an accept_transfer entry: a transfer into it is refused.
    await expect(guest.grants.transfer(spare, 0, unused)).rejects.toMatchObject({
      code: "GNTST_general_error",
    });
    expect(flips.offered).toBe(0);
  });

  it("offers at most FLIP_REFS_MAX refs at once", async () => {
    const flips = new GuestFlips(dom0, guest.domid);
    expect((await flips.offer(200)).length).toBe(200);
    expect((await flips.offer(200)).length).toBe(56);
    expect(await flips.offer(1)).toEqual([]);
    await flips.close();
  });
});

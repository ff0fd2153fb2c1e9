// Page flipping (GNTTABOP_transfer, docs/design.md#copy-to-write) from libxen, on both
// transports: the receiver offers GTF_accept_transfer entries, the sender's frame changes owner
// without a copy (same machine frame, frames in use unchanged, one frame less for the sender and
// one more for the receiver), and what cannot be flipped is refused with nothing changed.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { hvApi, joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface MemoryView {
  frames: { used: number };
  domains: { domid: number; frames: number }[];
}

describe.each(TRANSPORTS)("page flipping (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  const view = () => hvApi<MemoryView>(hv, "/api/memory");
  const framesOf = (v: MemoryView, domid: number) => v.domains.find((d) => d.domid === domid)?.frames;
  const mfnOf = async (domain: XenDomain, gpfn: number) =>
    (await domain.session.call({ memTranslate: { gpfns: [gpfn] } })).memTranslate?.mfns?.[0];

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    guest = await joinGuest(hv, `flip-${transport}`, { memoryTransport: transport, maxFrames: 8 });
    await Promise.all([dom0.grants.setup(1), guest.grants.setup(1)]);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("moves the frame itself: same mfn, frames in use unchanged, ownership exact", async () => {
    const refs = [await guest.grants.acceptTransfer(0), await guest.grants.acceptTransfer(0)];
    const pages = await dom0.memory.populatePhysmap(2);
    await dom0.memory.writeSpan(pages, new Uint8Array(8192).fill(0x5a));
    const mfns = [await mfnOf(dom0, pages[0]!), await mfnOf(dom0, pages[1]!)];
    const before = await view();
    for (const [i, page] of pages.entries()) await dom0.grants.transfer(page, guest.domid, refs[i]!);
    const after = await view();
    expect(after.frames.used).toBe(before.frames.used);
    expect(framesOf(after, 0)).toBe(framesOf(before, 0)! - 2);
    expect(framesOf(after, guest.domid)).toBe(framesOf(before, guest.domid)! + 2);
    await guest.grants.querySize(); // a barrier: Xen's writes into the entries have arrived
    for (const [i, ref] of refs.entries()) {
      const gpfn = await guest.grants.completeTransfer(ref);
      expect(await mfnOf(guest, gpfn)).toBe(mfns[i]);
      expect(await guest.memory.read(gpfn, 4095, 1)).toEqual(Uint8Array.of(0x5a));
      await guest.memory.write(gpfn, 0, Uint8Array.of(1)); // the receiver's own frame now
    }
    expect(() => guest.grants.transferResult(refs[0]!)).toThrow(); // the ref is free again
    await expect(dom0.memory.read(pages[0]!, 0, 1)).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("refuses a granted, a mapped or a copy-to-write page, and a full receiver, changing nothing", async () => {
    const ref = await guest.grants.acceptTransfer(0);
    const [page] = (await dom0.memory.populatePhysmap(1)) as [number];
    const granted = await dom0.grants.grantAccess(guest.domid, page, { readonly: true });
    await expect(dom0.grants.transfer(page, guest.domid, ref)).rejects.toMatchObject({
      code: "GNTST_bad_page",
    });
    await dom0.grants.endAccess(granted);
    // The receiver's mapping of a grant is not its to give.
    const [other] = (await dom0.memory.populatePhysmap(1)) as [number];
    const cowRef = await dom0.grants.grantAccess(guest.domid, other, { readonly: true });
    const mapped = await guest.grants.mapGrantRef(0, cowRef, { copyToWrite: true });
    const back = await dom0.grants.acceptTransfer(guest.domid);
    await expect(guest.grants.transfer(mapped.gpfn, 0, back)).rejects.toMatchObject({
      code: "GNTST_bad_page",
    });
    await guest.grants.unmapGrantRef(mapped.handle);
    // Fill the guest's reservation: a transfer into it is refused, the page stays dom0's.
    const v = await view();
    const room = 8 - framesOf(v, guest.domid)!;
    if (room > 0) await guest.memory.populatePhysmap(room);
    const before = await view();
    await expect(dom0.grants.transfer(page, guest.domid, ref)).rejects.toMatchObject({
      code: "GNTST_general_error",
    });
    expect((await view()).domains).toEqual(before.domains);
    expect(await dom0.memory.read(page, 0, 1)).toEqual(new Uint8Array(1));
    expect(guest.grants.transferResult(ref)).toMatchObject({ committed: false, completed: false });
  });
});

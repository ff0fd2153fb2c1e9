// XENMEM_sharing_op through libxen (docs/design.md#copy-to-write), on both transports: dom0
// nominates two guests' equal pages and shares them into one frame; the guests read it in place
// (shm) or by copy (socket); a guest's write unshares exactly its page; a guest may not share.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { Nominated, XenDomain } from "@xenfs/libxen";
import { hvApi, joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface MemoryView {
  frames: { used: number; memShared: number; memSharingSaved: number };
}

describe.each(TRANSPORTS)("identical-page sharing through libxen (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let a: XenDomain;
  let b: XenDomain;
  const frames = async () => (await hvApi<MemoryView>(hv, "/api/memory")).frames;

  /** Nominates until the domain has acknowledged (at once on socket). */
  async function nominated(domid: number, gfn: number): Promise<Nominated> {
    for (;;) {
      const n = await dom0.sharing.nominateGfn(domid, gfn);
      if (n.ready) return n;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    a = await joinGuest(hv, `share-a-${transport}`, { memoryTransport: transport });
    b = await joinGuest(hv, `share-b-${transport}`, { memoryTransport: transport });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("shares equal pages into one frame; a write unshares exactly one", async () => {
    const [pa] = (await a.memory.populatePhysmap(1)) as [number];
    const [pb] = (await b.memory.populatePhysmap(1)) as [number];
    await a.memory.write(pa, 0, new Uint8Array(4096).fill(0x33));
    await b.memory.write(pb, 0, new Uint8Array(4096).fill(0x33));
    await expect(b.sharing.nominateGfn(a.domid, pa)).rejects.toMatchObject({ code: "EPERM" });
    const before = await frames();
    const [na, nb] = [await nominated(a.domid, pa), await nominated(b.domid, pb)];
    await dom0.sharing.share(na, nb);
    await expect.poll(async () => (await frames()).used).toBe(before.used - 1);
    expect(await frames()).toMatchObject({
      memShared: before.memShared + 1,
      memSharingSaved: before.memSharingSaved + 1,
    });
    expect(await b.memory.read(pb, 4095, 1)).toEqual(Uint8Array.of(0x33));
    // shm: libxen has re-translated the page and knows it is copy-to-write (socket writes fault in Xen).
    if (transport === "shm") expect(b.memory.isCopyToWrite(pb)).toBe(true);

    await b.memory.write(pb, 0, Uint8Array.of(7));
    expect(await b.memory.read(pb, 0, 2)).toEqual(Uint8Array.of(7, 0x33));
    expect(await a.memory.read(pa, 0, 2)).toEqual(Uint8Array.of(0x33, 0x33));
    expect((await frames()).used).toBe(before.used);
    await expect.poll(() => b.memory.copyToWriteFaults).toBe(1);
  });
});

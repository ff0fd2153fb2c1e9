// The Copy-To-Write fault from libxen (docs/design.md#copy-to-write), on both transports: a page
// mapped copy-to-write reads the granter's frame; libxen's first write to it (write, writeSpan,
// an atomic) gives this domain exactly one private frame per page and the copy_to_write upcall;
// other mappers and the granter keep the shared bytes; after a revoke the writer keeps its copy.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { hvApi, joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Frames {
  frames: { used: number; privateCopies: number; copyToWriteFaults: number };
}

describe.each(TRANSPORTS)("copy-to-write mappings (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let writer: XenDomain;
  let reader: XenDomain;
  const frames = async () => (await hvApi<Frames>(hv, "/api/memory")).frames;

  /** A dom0 page filled with `fill`, mapped copy-to-write by the writer and the reader. */
  async function sharedPage(fill: number) {
    const [page] = (await dom0.memory.populatePhysmap(1)) as [number];
    await dom0.memory.write(page, 0, new Uint8Array(XEN_PAGE_SIZE).fill(fill));
    const refs = {
      writer: await dom0.grants.grantAccess(writer.domid, page, { readonly: true }),
      reader: await dom0.grants.grantAccess(reader.domid, page, { readonly: true }),
    };
    const w = await writer.grants.mapGrantRef(0, refs.writer, { copyToWrite: true });
    const r = await reader.grants.mapGrantRef(0, refs.reader, { copyToWrite: true });
    return { page, refs, w, r };
  }

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    writer = await joinGuest(hv, `cow-writer-${transport}`, { memoryTransport: transport });
    reader = await joinGuest(hv, `cow-reader-${transport}`, { memoryTransport: transport });
    await Promise.all([dom0.grants.setup(1), writer.grants.setup(1), reader.grants.setup(1)]);
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("the first write makes one private frame and one upcall; reads elsewhere stay shared", async () => {
    const { page, w, r } = await sharedPage(7);
    expect(writer.memory.isCopyToWrite(w.gpfn)).toBe(true);
    expect(await writer.memory.read(w.gpfn, 0, 2)).toEqual(Uint8Array.of(7, 7));
    const seen: number[] = [];
    const off = writer.memory.onCopyToWrite((fault) => seen.push(fault.gpfn));
    const before = await frames();
    const faults = writer.memory.copyToWriteFaults;

    await writer.memory.write(w.gpfn, 1, Uint8Array.of(9));
    await writer.memory.write(w.gpfn, 2, Uint8Array.of(8)); // no second fault
    expect(await writer.memory.read(w.gpfn, 0, 4)).toEqual(Uint8Array.of(7, 9, 8, 7));
    expect(await reader.memory.read(r.gpfn, 0, 4)).toEqual(Uint8Array.of(7, 7, 7, 7));
    expect(await dom0.memory.read(page, 0, 4)).toEqual(Uint8Array.of(7, 7, 7, 7));
    const after = await frames();
    expect(after.used).toBe(before.used + 1);
    expect(after.privateCopies).toBe(before.privateCopies + 1);
    expect(after.copyToWriteFaults).toBe(before.copyToWriteFaults + 1);
    await expect.poll(() => writer.memory.copyToWriteFaults).toBe(faults + 1);
    expect(seen).toEqual([w.gpfn]);
    expect(writer.memory.isCopyToWrite(w.gpfn)).toBe(false);
    off();

    await writer.grants.unmapGrantRef(w.handle);
    expect((await frames()).used).toBe(before.used);
  });

  it("writeSpan over copy-to-write pages and an atomic add fault once per page, exactly", async () => {
    const pages = [await sharedPage(1), await sharedPage(2), await sharedPage(3)];
    const before = await frames();
    await writer.memory.writeSpan(
      [pages[0]!.w.gpfn, pages[1]!.w.gpfn],
      new Uint8Array(XEN_PAGE_SIZE + 2).fill(5),
    );
    expect(await writer.memory.add(pages[2]!.w.gpfn, 0, 4, 1n)).toBe(0x03030303n);
    expect(await writer.memory.read(pages[2]!.w.gpfn, 0, 4)).toEqual(Uint8Array.of(4, 3, 3, 3));
    expect(await writer.memory.read(pages[1]!.w.gpfn, 0, 3)).toEqual(Uint8Array.of(5, 5, 2));
    const after = await frames();
    expect(after.used).toBe(before.used + 3);
    expect(after.copyToWriteFaults).toBe(before.copyToWriteFaults + 3);
    for (const [i, p] of pages.entries()) {
      expect(await reader.memory.read(p.r.gpfn, 0, 1)).toEqual(Uint8Array.of(i + 1));
    }
  });

  it("a page view asked for writing takes the fault first, then stores synchronously", async () => {
    const { w, r } = await sharedPage(4);
    const view = await writer.memory.page(w.gpfn, { write: true });
    view.write(0, Uint8Array.of(9));
    await writer.memory.flush();
    expect(await writer.memory.read(w.gpfn, 0, 2)).toEqual(Uint8Array.of(9, 4));
    expect(await reader.memory.read(r.gpfn, 0, 2)).toEqual(Uint8Array.of(4, 4));
  });

  it("after a revoke the writer keeps its copy and the reader loses the page", async () => {
    const { refs, w, r } = await sharedPage(6);
    await writer.memory.write(w.gpfn, 0, Uint8Array.of(1));
    expect(await dom0.grants.revoke(refs.writer, 20)).toBe(0); // the copy no longer holds the grant
    expect(await dom0.grants.revoke(refs.reader, 20)).toBe(1);
    await expect.poll(() => reader.memory.holds(r.gpfn) || reader.grants.mappings.has(r.handle)).toBe(false);
    await dom0.grants.endAccess(refs.writer);
    expect(await writer.memory.read(w.gpfn, 0, 2)).toEqual(Uint8Array.of(1, 6));
    await writer.memory.write(w.gpfn, 1, Uint8Array.of(2));
    expect(await writer.memory.read(w.gpfn, 0, 2)).toEqual(Uint8Array.of(1, 2));
  });
});

// Against the real hypervisor: dom0 shares a page with a guest the way Xen guests do.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { GRANT_IN_USE, type GrantRevokeEvent } from "@xenfs/libxen";
import { GNTST } from "@xenfs/proto";
import { joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const text = new TextEncoder();

describe.each(TRANSPORTS)("grant tables between dom0 and a guest (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let page: number;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    guest = await joinGuest(hv, "guest-grants", { memoryTransport: transport });
    await dom0.grants.setup(1);
    [page] = (await dom0.memory.populatePhysmap(1)) as [number];
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("the guest maps a granted page, reads it, and sees dom0's later writes", async () => {
    await dom0.memory.write(page, 0, text.encode("hello, guest"));
    const ref = await dom0.grants.grantAccess(guest.domid, page, { readonly: true });
    const { handle, gpfn } = await guest.grants.mapGrantRef(0, ref, { readonly: true });
    const view = await guest.memory.page(gpfn);
    expect(new TextDecoder().decode(view.read(0, 12))).toBe("hello, guest");

    if (transport === "socket") {
      // The local copy is updated by frame_update, and listeners hear of it.
      const updated = new Promise<[number, number]>((resolve) => view.onUpdate((o, l) => resolve([o, l])));
      await dom0.memory.write(page, 7, text.encode("world"));
      expect(await updated).toEqual([7, 5]);
    } else {
      // In place: dom0's write has landed by the time it returns.
      await dom0.memory.write(page, 7, text.encode("world"));
    }
    expect(new TextDecoder().decode(view.read(0, 12))).toBe("hello, world");

    // Read-only mapping: the guest's store faults here, before anything is sent.
    expect(() => view.write(0, text.encode("x"))).toThrow(expect.objectContaining({ code: "EACCES" }));
    await expect(guest.memory.write(gpfn, 0, text.encode("x"))).rejects.toMatchObject({ code: "EACCES" });

    // Mapped: dom0 cannot end access; after the unmap it can, and the ref is free again.
    await expect(dom0.grants.endAccess(ref)).rejects.toMatchObject({ code: GRANT_IN_USE, status: -16 });
    await guest.grants.unmapGrantRef(handle);
    expect(view.valid).toBe(false);
    const free = dom0.grants.freeRefs;
    await dom0.grants.endAccess(ref);
    expect(dom0.grants.freeRefs).toBe(free + 1);
  });

  it("grants many frames at once; each entry maps its own frame, and too many is ENOSPC with nothing taken", async () => {
    const frames = await dom0.memory.populatePhysmap(3);
    for (const [i, gpfn] of frames.entries()) await dom0.memory.write(gpfn, 0, text.encode(`frame ${i}`));
    const free = dom0.grants.freeRefs;
    await expect(dom0.grants.grantAccessMany(guest.domid, frames, { readonly: true })).resolves.toHaveLength(
      3,
    );
    expect(dom0.grants.freeRefs).toBe(free - 3);
    // The refs were taken from one walk of the free list; a second batch gets others.
    const refs = await dom0.grants.grantAccessMany(guest.domid, frames, { readonly: true });
    expect(new Set(refs).size).toBe(3);
    for (const [i, ref] of refs.entries()) {
      const { handle, gpfn } = await guest.grants.mapGrantRef(0, ref, { readonly: true });
      expect(new TextDecoder().decode((await guest.memory.page(gpfn)).read(0, 7))).toBe(`frame ${i}`);
      await guest.grants.unmapGrantRef(handle);
    }
    const left = dom0.grants.freeRefs;
    await expect(
      dom0.grants.grantAccessMany(guest.domid, new Array(left + 1).fill(frames[0]), { readonly: true }),
    ).rejects.toMatchObject({ code: "ENOSPC" });
    expect(dom0.grants.freeRefs).toBe(left);
  });

  it("answers a bad gref, a bad handle and a forbidden map with their GNTST codes", async () => {
    const past = dom0.grants.nrEntries + 5;
    await expect(guest.grants.mapGrantRef(0, past, { readonly: true })).rejects.toMatchObject({
      name: "XenError",
      code: "GNTST_bad_gntref",
      status: GNTST.bad_gntref,
    });
    await expect(guest.grants.unmapGrantRef(0xdead)).rejects.toMatchObject({
      code: "GNTST_bad_handle",
      status: GNTST.bad_handle,
    });
    // Granted read-only: a writable map is refused (Xen's "write-mapping a readonly grant").
    const ref = await dom0.grants.grantAccess(guest.domid, page, { readonly: true });
    await expect(guest.grants.mapGrantRef(0, ref)).rejects.toMatchObject({ code: "GNTST_general_error" });
    await dom0.grants.endAccess(ref);
    // Ended: the entry no longer names the guest.
    await expect(guest.grants.mapGrantRef(0, ref, { readonly: true })).rejects.toMatchObject({
      code: "GNTST_general_error",
    });
    await expect(dom0.grants.endAccess(ref)).rejects.toMatchObject({ code: "GNTST_bad_gntref" });
  });

  it("a writable mapping carries the guest's synchronous page writes back to dom0", async () => {
    const ref = await dom0.grants.grantAccess(guest.domid, page);
    const { handle, gpfn } = await guest.grants.mapGrantRef(0, ref);
    const mine = await dom0.memory.page(page);
    const view = await guest.memory.page(gpfn);
    const seen =
      transport === "socket"
        ? new Promise<void>((resolve) => mine.onUpdate((offset) => offset === 100 && resolve()))
        : Promise.resolve(); // written in place: nothing to wait for
    view.writeU32(96, 0xdeadbeef);
    view.write(100, Uint8Array.of(1, 2, 3));
    expect(view.readU32(96)).toBe(0xdeadbeef);
    await seen;
    expect(mine.readU32(96)).toBe(0xdeadbeef);
    expect(Array.from(mine.read(100, 3))).toEqual([1, 2, 3]);
    await guest.memory.flush();
    await guest.grants.unmapGrantRef(handle);
    await dom0.grants.endAccess(ref);
  });

  it("copies between a grant and an own frame, and refuses a copy across the page end", async () => {
    await dom0.memory.write(page, 200, text.encode("copied"));
    const ref = await dom0.grants.grantAccess(guest.domid, page, { readonly: true });
    const [buffer] = (await guest.memory.populatePhysmap(1)) as [number];
    const view = await guest.memory.page(buffer);
    await guest.grants.copy({ ref, domid: 0, offset: 200 }, { gpfn: buffer, offset: 10 }, 6);
    expect(new TextDecoder().decode(view.read(10, 6))).toBe("copied");
    await expect(
      guest.grants.copy({ ref, domid: 0, offset: 4095 }, { gpfn: buffer, offset: 0 }, 2),
    ).rejects.toMatchObject({
      code: "GNTST_bad_copy_arg",
    });
    await dom0.grants.endAccess(ref);
  });

  it("transfers a frame into an accept_transfer entry", async () => {
    const ref = await guest.grants.setup(1).then(() => guest.grants.acceptTransfer(0));
    const [gift] = (await dom0.memory.populatePhysmap(1)) as [number];
    await dom0.memory.write(gift, 0, text.encode("flipped"));
    await dom0.grants.transfer(gift, guest.domid, ref);
    await expect(dom0.memory.read(gift, 0, 1)).rejects.toMatchObject({ code: "EINVAL", status: -22 });
    // Xen writes the result into the guest's table frame; the update arrives in order.
    await guest.grants.querySize();
    const result = guest.grants.transferResult(ref);
    expect(result).toMatchObject({ committed: true, completed: true });
    expect(new TextDecoder().decode(await guest.memory.read(result.frame, 0, 7))).toBe("flipped");
    await guest.grants.endAccess(ref);
  });
  it("unmaps on a polite revoke when nobody listens, so the granter can end access", async () => {
    const ref = await dom0.grants.grantAccess(guest.domid, page, { readonly: true });
    await guest.grants.mapGrantRef(0, ref, { readonly: true });
    expect(await dom0.grants.revoke(ref, 60_000)).toBe(1);
    // The guest unmaps as it handles the upcall; each round trip lets that finish.
    let ended = false;
    for (let attempt = 0; attempt < 20 && !ended; attempt++) {
      ended = await dom0.grants.endAccess(ref).then(
        () => true,
        (error) => {
          expect(error).toMatchObject({ code: GRANT_IN_USE });
          return guest.grants.querySize().then(() => false);
        },
      );
    }
    expect(ended).toBe(true);
    await guest.grants.querySize(); // behind the reply to the guest's unmap
    expect(guest.grants.mappings.size).toBe(0);
  });

  it("takes the mapping by force past the deadline when the guest's listener keeps it", async () => {
    const ref = await dom0.grants.grantAccess(guest.domid, page, { readonly: true });
    const { handle, gpfn } = await guest.grants.mapGrantRef(0, ref, { readonly: true });
    const view = await guest.memory.page(gpfn);
    const events: GrantRevokeEvent[] = [];
    const forced = new Promise<void>((resolve) => {
      guest.grants.on("revoke", (event) => {
        events.push(event);
        if (event.forced) resolve();
      });
    });
    await dom0.grants.revoke(ref, 20);
    await forced;
    guest.grants.removeAllListeners("revoke");
    expect(events.map((e) => [e.forced, e.handle, e.ref])).toEqual([
      [false, handle, ref],
      [true, handle, ref],
    ]);
    expect(view.valid).toBe(false);
    expect(() => view.read(0, 1)).toThrow(expect.objectContaining({ code: "EFAULT" }));
    await dom0.grants.endAccess(ref);
  });
});

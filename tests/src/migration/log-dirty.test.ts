// Log-dirty (XEN_DOMCTL_shadow_op) on both memory transports: exactly the guest's pfns written
// since enable (or the last clean) — by the guest, by a peer through a grant mapping, by Xen (a
// grant copy, grant-entry flags), and frames newly handed out — and nothing else.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PAGES = 4096;

describe.each(TRANSPORTS)("log-dirty (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let table: number[];
  let ram: number[];

  const peek = () => dom0.domctl.peekDirty(guest.domid, PAGES);
  const clean = () => dom0.domctl.cleanDirty(guest.domid, PAGES);
  const sorted = (pfns: number[]) => [...pfns].sort((a, b) => a - b);

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    guest = await joinGuest(hv, `guest-dirty-${transport}`, { memoryTransport: transport });
    table = await guest.grants.setup(1);
    ram = await guest.memory.populatePhysmap(8);
    for (const gpfn of ram) await guest.memory.write(gpfn, 0, Uint8Array.of(gpfn & 0xff));
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("starts clean, and peeks exactly the frames the guest wrote, peek leaving them, clean taking them", async () => {
    expect([dom0.memoryTransport, guest.memoryTransport]).toEqual([transport, transport]);
    await dom0.domctl.enableLogDirty(guest.domid);
    expect(await peek()).toEqual([]);

    await guest.memory.write(ram[1]!, 100, Uint8Array.of(1, 2, 3));
    await guest.memory.writeSpan([ram[3]!, ram[4]!], new Uint8Array(XEN_PAGE_SIZE + 1).fill(7));
    const page = await guest.memory.page(ram[6]!);
    page.writeU32(8, 0xdeadbeef);
    await guest.memory.flush();
    await guest.memory.cmpxchg(ram[7]!, 4, 4, 0n, 5n); // offset 4 is still 0: it writes
    await guest.memory.cmpxchg(ram[2]!, 4, 4, 9n, 5n); // a failed compare writes nothing

    const written = sorted([ram[1]!, ram[3]!, ram[4]!, ram[6]!, ram[7]!]);
    expect(await peek()).toEqual(written);
    expect(await peek()).toEqual(written);
    expect(await clean()).toEqual(written);
    expect(await peek()).toEqual([]);
    // A read dirties nothing.
    await guest.memory.read(ram[2]!, 0, 16);
    expect(await peek()).toEqual([]);
  });

  it("counts a peer's writes through a grant mapping and Xen's own writes as the guest's", async () => {
    await clean();
    const ref = await guest.grants.grantAccess(0, ram[0]!);
    const mapping = await dom0.grants.mapGrantRef(guest.domid, ref);
    await dom0.memory.write(mapping.gpfn, 10, Uint8Array.of(9, 9)); // in place on shm
    // The guest wrote its grant entry, Xen its GTF_reading/writing flags: the table frame is dirty.
    expect(await clean()).toEqual(sorted([ram[0]!, ...table]));

    const ref2 = await guest.grants.grantAccess(0, ram[5]!);
    const [own] = (await dom0.memory.populatePhysmap(1)) as [number];
    await clean();
    await dom0.grants.copy({ gpfn: own, offset: 0 }, { ref: ref2, domid: guest.domid, offset: 0 }, 64);
    expect(await clean()).toEqual([ram[5]!]);
    await dom0.grants.unmapGrantRef(mapping.handle);
    await dom0.memory.write(own, 0, Uint8Array.of(1)); // dom0's own frame is not the guest's
    await clean();
    expect(await peek()).toEqual([]);
  });

  it("reports frames handed out while tracking, and refuses what is not allowed", async () => {
    const fresh = await guest.memory.populatePhysmap(2);
    expect(await clean()).toEqual(sorted(fresh));
    await expect(guest.domctl.peekDirty(guest.domid, PAGES)).rejects.toMatchObject({ code: "EPERM" });
    await expect(dom0.domctl.enableLogDirty(guest.domid)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(dom0.domctl.peekDirty(guest.domid, 0)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(dom0.domctl.enableLogDirty(0)).rejects.toMatchObject({ code: "EINVAL" });
    await dom0.domctl.logDirtyOff(guest.domid);
    await expect(peek()).rejects.toMatchObject({ code: "EINVAL" });
  });
});

// Slot writes gathered into one write, in order, as the peer sees them through its mapping. On
// the socket transport a gathered run is one mem_write hypercall; on shm it is one positioned
// write into shared memory and no hypercall at all.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { WriteCombiningPage } from "@xenfs/xenbus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEASE_MS } from "./host.js";

async function memWrites(hv: Hypervisor): Promise<number> {
  const metrics = await (await fetch(`${hv.httpUrl}/metrics`)).text();
  const line = metrics.split("\n").find((l) => l.startsWith('xen_hypercalls_total{op="mem_write"}'));
  return Number(line?.split(" ")[1] ?? 0);
}

describe.each(["shm", "socket"] as const)("WriteCombiningPage (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;

  beforeAll(async () => {
    hv = await startTestHypervisor({ sessionLeaseMs: LEASE_MS });
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    guest = await joinGuest(hv, "guest-wc", { memoryTransport: transport });
    await guest.grants.setup(1);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("sends consecutive writes as one, before the index written after them", async () => {
    const [gpfn = 0] = await guest.memory.populatePhysmap(1);
    const page = new WriteCombiningPage(await guest.memory.page(gpfn), guest.memory);
    const ref = await guest.grants.grantAccess(0, gpfn);
    const mapping = await dom0.grants.mapGrantRef(guest.domid, ref);
    const peer = await dom0.memory.page(mapping.gpfn);
    const before = await memWrites(hv);

    for (let slot = 0; slot < 8; slot++) page.write(64 + slot * 56, new Uint8Array(56).fill(slot + 1));
    page.writeU32(0, 8); // the producer index, after the entries
    expect(page.read(64 + 7 * 56, 1)).toEqual(new Uint8Array([8])); // a read sees its own writes
    await page.barrier();

    expect((await memWrites(hv)) - before).toBe(transport === "socket" ? 2 : 0);
    expect(peer.readU32(0)).toBe(8);
    for (let slot = 0; slot < 8; slot++)
      expect(peer.read(64 + slot * 56, 56)).toEqual(new Uint8Array(56).fill(slot + 1));
    await dom0.grants.unmapGrantRef(mapping.handle);
  });

  it("keeps writes that do not follow each other apart, in the order made", async () => {
    const [gpfn = 0] = await guest.memory.populatePhysmap(1);
    const page = new WriteCombiningPage(await guest.memory.page(gpfn), guest.memory);
    const before = await memWrites(hv);
    page.write(200, new Uint8Array([1, 1]));
    page.write(100, new Uint8Array([2]));
    page.write(200, new Uint8Array([3])); // overwrites the first write's first byte
    await page.barrier();
    expect((await memWrites(hv)) - before).toBe(transport === "socket" ? 3 : 0);
    expect(await guest.memory.read(gpfn, 200, 2)).toEqual(new Uint8Array([3, 1]));
    expect(await guest.memory.read(gpfn, 100, 1)).toEqual(new Uint8Array([2]));
  });
});

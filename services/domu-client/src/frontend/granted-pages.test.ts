// The page pool against a real hypervisor: dom0 maps what the guest granted, with the access given.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { GrantedPagePool } from "./granted-pages.js";

describe("GrantedPagePool", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;

  beforeAll(async () => {
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await joinDom0(hv);
    guest = await joinGuest(hv, "pages");
    await guest.grants.setup(1);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("grants read-only argument pages dom0 can read but not write, and reuses them", async () => {
    const pool = new GrantedPagePool(guest, { backendDomid: 0, readonly: true, max: 2 });
    const [page] = await pool.acquire(1);
    if (!page) throw new Error("no page");
    await guest.memory.write(page.gpfn, 0, new TextEncoder().encode("docs/a.txt"));
    const mapped = await dom0.grants.mapGrantRef(guest.domid, page.gref, { readonly: true });
    expect(new TextDecoder().decode(await dom0.memory.read(mapped.gpfn, 0, 10))).toBe("docs/a.txt");
    await expect(dom0.grants.mapGrantRef(guest.domid, page.gref)).rejects.toMatchObject({
      code: "GNTST_general_error",
    });
    await dom0.grants.unmapGrantRef(mapped.handle);
    pool.release([page]);
    expect(await pool.acquire(1)).toEqual([page]);
    expect(pool.size).toBe(1);
  });

  it("grants writable result pages whose dom0 writes the guest then reads", async () => {
    const pool = new GrantedPagePool(guest, { backendDomid: 0, readonly: false, max: 1 });
    const [page] = await pool.acquire(1);
    if (!page) throw new Error("no page");
    const mapped = await dom0.grants.mapGrantRef(guest.domid, page.gref);
    await dom0.memory.write(mapped.gpfn, 0, new Uint8Array([1, 2, 3]));
    expect([...(await guest.memory.read(page.gpfn, 0, 3))]).toEqual([1, 2, 3]);
    await dom0.grants.unmapGrantRef(mapped.handle);
    pool.release([page]);
    await pool.close();
    await expect(dom0.grants.mapGrantRef(guest.domid, page.gref)).rejects.toMatchObject({
      code: "GNTST_general_error",
    });
  });

  it("makes an acquirer wait while the pool is spent, and wakes it on release", async () => {
    const pool = new GrantedPagePool(guest, { backendDomid: 0, readonly: true, max: 2 });
    const held = await pool.acquire(2);
    let woken = false;
    const waiting = pool.acquire(1).then((pages) => {
      woken = true;
      return pages;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(false);
    pool.release(held.slice(0, 1));
    expect(await waiting).toEqual(held.slice(0, 1));
    expect(pool.size).toBe(2);
  });
});

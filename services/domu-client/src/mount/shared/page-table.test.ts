// The page table against real grants: dom0's frames granted to a guest, the table mapping them.
// release_pages is dom0 ending its grants; here the test ends them, when it chooses.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../../test/xenfs-host.js";
import { PageTable } from "./page-table.js";

const INO = 7;

describe("PageTable: releases and maps of one page never cross", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;

  beforeAll(async () => {
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await joinDom0(hv);
    await dom0.grants.setup(1);
    guest = await joinGuest(hv, "reader");
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  /** A dom0 frame holding `byte`, granted read-only to the guest. */
  async function granted(byte: number): Promise<number> {
    const [gpfn] = (await dom0.memory.populatePhysmap(1)) as [number];
    await dom0.memory.write(gpfn, 0, new Uint8Array([byte]));
    return dom0.grants.grantAccess(guest.domid, gpfn, { readonly: true });
  }

  /** dom0's side of release_pages, held until `open()`. */
  function gatedRelease() {
    const released: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const release = async (grefs: readonly number[]) => {
      await gate;
      for (const gref of grefs) await dom0.grants.endAccess(gref);
      released.push(...grefs);
    };
    return { release, released, open: () => open() };
  }

  const firstByte = async (table: PageTable, index: number) => {
    const page = table.get(INO, index);
    return page && (await table.read(page, 0, 1))?.[0];
  };

  it("maps a page again only once dom0 has acknowledged its release", async () => {
    const dom0Side = gatedRelease();
    const table = new PageTable(guest, {
      backendDomid: 0,
      maxPages: 1,
      release: dom0Side.release,
      onError: () => {},
    });
    const first = await granted(1);
    await table.map(INO, 0, 1, async () => [first]);
    const second = await granted(2);
    const evicting = table.map(INO, 1, 1, async () => [second]); // drops page 0: its release waits

    let asked = false;
    const again = await granted(3);
    const remapping = table.map(INO, 0, 1, async () => {
      asked = true;
      return [again];
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked).toBe(false);
    dom0Side.open();
    await Promise.all([evicting, remapping]);
    expect(asked).toBe(true);
    expect(dom0Side.released).toContain(first);
    expect(await firstByte(table, 0)).toBe(3);
    await table.clear(true);
  });

  it("never drops a page that a map under way covers", async () => {
    const dom0Side = gatedRelease();
    dom0Side.open();
    const table = new PageTable(guest, {
      backendDomid: 0,
      maxPages: 1,
      release: dom0Side.release,
      onError: () => {},
    });
    const zero = await granted(10);
    await table.map(INO, 0, 1, async () => [zero]);

    let answer!: (grefs: number[]) => void;
    const covering = table.map(INO, 0, 2, () => new Promise((resolve) => (answer = resolve)));
    // Another page comes in meanwhile: over budget, but page 0 is spoken for.
    await table.map(INO, 5, 1, async () => [await granted(15)]);
    expect(dom0Side.released).not.toContain(zero);
    answer([zero, await granted(11)]); // dom0 hands back the grant the guest holds
    await covering;
    expect(await firstByte(table, 1)).toBe(11);
    await table.clear(true);
  });
});

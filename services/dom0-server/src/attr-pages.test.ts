import { ATTR, ATTR_RECORD_SIZE, attrRecordCodec, attrRecordOffset } from "@xenfs/fsproto";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { hvApi, joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttrPages, type FileAttrs } from "./attr-pages.js";
import { GrantReaper } from "./grants/grant-reaper.js";

const attrs = (ino: number, size = 0): FileAttrs => ({
  ino,
  size,
  version: 0,
  mtimeNs: 1_000n,
  ctimeNs: 2_000n,
  mode: 0o100644,
  nlink: 1,
});

describe("attribute pages", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let pages: AttrPages;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv);
    guest = await joinGuest(hv, "reader");
    await dom0.grants.setup(1);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  /** The guest maps the page once, as the frontend does, and reads records from its copy. */
  async function mapped(gref: number) {
    const { gpfn } = await guest.grants.mapGrantRef(0, gref, { readonly: true });
    const view = await guest.memory.page(gpfn);
    return (index: number) =>
      attrRecordCodec.decode(view.read(attrRecordOffset(index), ATTR_RECORD_SIZE).slice());
  }

  it("gives an opened file a valid record the guest reads locally, and keeps it current", async () => {
    pages = new AttrPages(dom0.memory, dom0.grants, new GrantReaper(dom0.grants, 200));
    const at = await pages.openFile(guest.domid, "1:7", attrs(7, 100));
    const record = await mapped(at.gref);
    expect(record(at.index)).toMatchObject({ ino: 7, size: 100, flags: ATTR.ATTR_VALID, generation: 1 });

    await pages.update("1:7", { size: 5000, version: 3 });
    expect(record(at.index)).toMatchObject({ size: 5000, version: 3, flags: ATTR.ATTR_VALID });

    await pages.nameStale("1:7");
    expect(record(at.index).flags).toBe(ATTR.ATTR_VALID | ATTR.ATTR_NAME_STALE);

    // A second open shares the record; the record lives until the last close.
    expect(await pages.openFile(guest.domid, "1:7", attrs(7, 5000))).toEqual(at);
    await pages.closeFile(guest.domid, "1:7");
    expect(record(at.index).flags & ATTR.ATTR_VALID).toBe(ATTR.ATTR_VALID);
    await pages.closeFile(guest.domid, "1:7");
    expect(record(at.index).flags).toBe(0);

    // The free record goes to the next file with its generation bumped.
    const next = await pages.openFile(guest.domid, "1:8", attrs(8));
    expect(next).toEqual(at);
    expect(record(at.index)).toMatchObject({ ino: 8, flags: ATTR.ATTR_VALID, generation: 2 });
    await pages.closeFile(guest.domid, "1:8");
  });

  it("adds a page after 64 open files, one grant per page and guest", async () => {
    const opened = [];
    for (let ino = 100; ino < 165; ino++)
      opened.push(await pages.openFile(guest.domid, `1:${ino}`, attrs(ino)));
    expect(new Set(opened.map((at) => at.gref)).size).toBe(2);
    expect(new Set(opened.map((at) => `${at.gref}/${at.index}`)).size).toBe(65);
    expect(pages.grantsOf(guest.domid)).toBe(2);
    expect(pages.openFiles).toBe(65);
  });

  it("releases a departed guest's records and grants, the mapped page by revocation", async () => {
    await pages.releaseGuest(guest.domid);
    expect(pages.openFiles).toBe(0);
    expect(pages.grantsOf(guest.domid)).toBe(0);
    // The hypervisor's view: the guest's mapping went when dom0 revoked it.
    const domains = await hvApi<{ domid: number; maps: number }[]>(hv, "/api/domains");
    expect(domains.find((d) => d.domid === guest.domid)?.maps).toBe(0);
    await pages.close();
  });
});

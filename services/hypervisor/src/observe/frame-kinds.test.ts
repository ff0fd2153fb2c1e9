// Frame types the hypervisor learns beyond its own (docs/observing.md#frame-map): mem_annotate's
// page cache and ring frames, and the Copy-To-Write fault's private copies, with exact counts on
// the frame map and in one frame's details; a refused annotation changes nothing and a freed
// frame forgets its note.
import { GNTMAP, GTF, XEN_PAGE_SIZE, XENMEM_PURPOSE } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

type Kinds = { [kind in "ram" | "grant_table" | "page_cache" | "ring" | "cow_copy"]?: number };

interface Encoded {
  total: number;
  types: string[];
  owner: string;
  type: string;
}

let host: TestHost;
let dom0: RawClient;
let guest: RawClient;
let table: number[];

/** Frames of each type on the map, counting only `domid`'s. */
async function kinds(domid: number): Promise<Kinds> {
  const map = await host.api<Encoded>("/api/frames");
  const o = Buffer.from(map.owner, "base64");
  const owner = new Uint16Array(o.buffer, o.byteOffset, o.byteLength / 2);
  const type = Buffer.from(map.type, "base64");
  const counts: Record<string, number> = {};
  for (let mfn = 0; mfn < map.total; mfn++) {
    if (owner[mfn] !== domid) continue;
    const name = map.types[type[mfn]!]!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts as Kinds;
}

const annotate = (client: RawClient, gpfns: number[], purpose: number) =>
  client.call({ memAnnotate: { gpfns, purpose } });

beforeAll(async () => {
  host = await startTestHost({ memoryMb: 2, limits: { ratePerSec: 0 } });
  dom0 = await host.dom0();
  guest = await host.guest("annotated");
});
afterAll(() => host.hv.close());

describe("mem_annotate on the frame map", () => {
  it("shows page cache and ring frames as such, exactly those, and a frame's details name its type", async () => {
    table = await setupTable(dom0, 1);
    const cache = await populate(dom0, 5);
    const plain = await populate(dom0, 2);
    const ring = await populate(guest, 2);
    await ok(annotate(dom0, cache, XENMEM_PURPOSE.page_cache));
    await ok(annotate(guest, ring, XENMEM_PURPOSE.ring));
    expect(await kinds(0)).toEqual({ grant_table: 1, page_cache: 5, ram: 2 });
    expect(await kinds(guest.domid)).toEqual({ ring: 2 });

    const [mfn] = (await ok(dom0.call({ memTranslate: { gpfns: [cache[0]!] } }))).memTranslate!.mfns!;
    expect(await host.api(`/api/frames/${mfn}`)).toMatchObject({
      mfn,
      owner: 0,
      type: "page_cache",
      gpfn: cache[0],
    });
    expect(plain).toHaveLength(2);
  });

  it("refuses another domain's frame, an unknown purpose and an unpopulated gpfn, changing nothing", async () => {
    const before = await kinds(0);
    const [own] = await populate(dom0, 1);
    const mine = await kinds(0);
    // A gpfn the guest does not have, in one call with one it has: nothing is noted.
    const [guestOwn] = await populate(guest, 1);
    expect((await annotate(guest, [guestOwn!, 60_000], XENMEM_PURPOSE.ring)).code).toBe("EINVAL");
    expect((await annotate(dom0, [own!], 7)).code).toBe("EINVAL");
    expect(await kinds(0)).toEqual(mine);
    expect((await kinds(guest.domid)).ring).toBe(2);
    expect(mine.ram).toBe((before.ram ?? 0) + 1);
  });

  it("forgets the note when the frame is given back, and ram (0) clears it", async () => {
    const gpfns = await populate(dom0, 3);
    const before = await kinds(0);
    await ok(annotate(dom0, gpfns, XENMEM_PURPOSE.page_cache));
    expect((await kinds(0)).page_cache).toBe(before.page_cache! + 3);
    await ok(annotate(dom0, [gpfns[0]!], XENMEM_PURPOSE.ram));
    expect((await kinds(0)).page_cache).toBe(before.page_cache! + 2);
    await ok(dom0.call({ decreaseReservation: { gpfns: gpfns.slice(1) } }));
    expect(await kinds(0)).toEqual({ ...before, ram: before.ram! - 2 });
    // The freed frames come back as plain RAM to whoever populates them next.
    const again = await populate(dom0, 2);
    expect(await kinds(0)).toEqual(before);
    await ok(dom0.call({ decreaseReservation: { gpfns: again } }));
  });

  it("shows a private Copy-To-Write copy as cow_copy, charged to the writer", async () => {
    const [gpfn] = await populate(dom0, 1);
    await ok(
      dom0.call({ memWrite: { gpfn: gpfn!, offset: 0, data: new Uint8Array(XEN_PAGE_SIZE).fill(3) } }),
    );
    await grant(dom0, table, 9, GTF.permit_access | GTF.readonly, guest.domid, gpfn!);
    const mapped = (
      await ok(
        guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map | GNTMAP.copy_to_write, ref: 9, dom: 0 } }),
      )
    ).gnttabMapGrantRef!;
    expect((await kinds(guest.domid)).cow_copy).toBeUndefined();
    await ok(guest.call({ memWrite: { gpfn: mapped.hostGpfn!, offset: 0, data: Uint8Array.of(4) } }));
    const fault = await guest.upcall((u) => u.copyToWrite);
    expect((await kinds(guest.domid)).cow_copy).toBe(1);
    expect(await host.api(`/api/frames/${fault.mfn}`)).toMatchObject({
      owner: guest.domid,
      type: "cow_copy",
    });
    await ok(guest.call({ gnttabUnmapGrantRef: { handle: mapped.handle! } }));
    expect((await kinds(guest.domid)).cow_copy).toBeUndefined();
  });
});

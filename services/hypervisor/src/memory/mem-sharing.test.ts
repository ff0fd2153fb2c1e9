// Identical-page sharing (docs/design.md#copy-to-write): XENMEM_sharing_op nominate/share for
// dom0 only, stale handles, the scan behind `xl mem-share` ending with one frame per distinct
// page exactly, and a write unsharing exactly one page through the Copy-To-Write fault.
import { encodeEnvelope, XEN_PAGE_SIZE, XENMEM_SHARING_OP } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, populate } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

interface MemoryView {
  frames: { used: number; memShared: number; memSharingSaved: number; copyToWriteFaults: number };
  domains: { domid: number; frames: number }[];
}

let host: TestHost;
let dom0: RawClient;
const memory = () => host.api<MemoryView>("/api/memory");
const page = (fill: number) => new Uint8Array(XEN_PAGE_SIZE).fill(fill);
const read = async (client: RawClient, gpfn: number, length = 4) =>
  (await ok(client.call({ memRead: { gpfn, offset: 0, length } }))).memRead!.data!;
const nominate = (domain: number, gfn: number) =>
  dom0.call({ memSharingOp: { op: XENMEM_SHARING_OP.nominate_gfn, domain, gfn } });
const share = (
  domain: number,
  gfn: number,
  handle: number,
  clientDomain: number,
  clientGfn: number,
  clientHandle: number,
) =>
  dom0.call({
    memSharingOp: { op: XENMEM_SHARING_OP.share, domain, gfn, handle, clientDomain, clientGfn, clientHandle },
  });

async function memShare(body: object) {
  const response = await fetch(`${host.hv.httpUrl}/api/mem-share`, {
    method: "POST",
    headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { scanned: number; shared: number; skipped: number; savedFrames: number };
}

async function guestWith(name: string, fills: number[]) {
  const guest = await host.guest(name);
  const gpfns = await populate(guest, fills.length);
  for (const [i, fill] of fills.entries())
    await ok(guest.call({ memWrite: { gpfn: gpfns[i]!, offset: 0, data: page(fill) } }));
  return { guest, gpfns };
}

beforeAll(async () => {
  host = await startTestHost({ memoryMb: 2, limits: { ratePerSec: 0 } });
  dom0 = await host.dom0();
});
afterAll(() => host.hv.close());

describe("XENMEM_sharing_op", () => {
  it("is the privileged domain's only", async () => {
    const { guest, gpfns } = await guestWith("share-eperm", [1]);
    const reply = await guest.call({
      memSharingOp: { op: XENMEM_SHARING_OP.nominate_gfn, domain: guest.domid, gfn: gpfns[0]! },
    });
    expect(reply.code).toBe("EPERM");
    expect((await dom0.call({ memSharingOp: { op: XENMEM_SHARING_OP.audit } })).code).toBe("ENOSYS");
  });

  it("merges two equal pages into one frame; a write unshares exactly one; stale handles are refused", async () => {
    const a = await guestWith("share-a", [9, 9]);
    const b = await guestWith("share-b", [9, 3]);
    const before = await memory();
    const ha = Number((await ok(nominate(a.guest.domid, a.gpfns[0]!))).memSharingOp!.handle);
    const hb = Number((await ok(nominate(b.guest.domid, b.gpfns[0]!))).memSharingOp!.handle);
    const hc = Number((await ok(nominate(b.guest.domid, b.gpfns[1]!))).memSharingOp!.handle);
    expect((await share(a.guest.domid, a.gpfns[0]!, ha, b.guest.domid, b.gpfns[1]!, hc)).code).toBe("EINVAL"); // bytes differ
    expect((await share(a.guest.domid, a.gpfns[0]!, ha + 1000, b.guest.domid, b.gpfns[0]!, hb)).code).toBe(
      "XENMEM_SHARING_OP_S_HANDLE_INVALID",
    );
    await ok(share(a.guest.domid, a.gpfns[0]!, ha, b.guest.domid, b.gpfns[0]!, hb));
    const merged = await memory();
    expect(merged.frames.used).toBe(before.frames.used - 1);
    expect(merged.frames.memShared).toBe(before.frames.memShared + 1);
    expect(merged.frames.memSharingSaved).toBe(before.frames.memSharingSaved + 1);
    const translate = async (c: RawClient, gpfn: number) =>
      (await ok(c.call({ memTranslate: { gpfns: [gpfn] } }))).memTranslate!;
    const [ta, tb] = [await translate(a.guest, a.gpfns[0]!), await translate(b.guest, b.gpfns[0]!)];
    expect(ta.mfns).toEqual(tb.mfns);
    expect(tb).toMatchObject({ readonly: [true], copyToWrite: [true] });

    // A nominated page written before share: its handle is stale.
    const hd = Number((await ok(nominate(a.guest.domid, a.gpfns[1]!))).memSharingOp!.handle);
    await ok(a.guest.call({ memWrite: { gpfn: a.gpfns[1]!, offset: 0, data: Uint8Array.of(9) } })); // same byte: still a write
    expect((await share(a.guest.domid, a.gpfns[0]!, ha, a.guest.domid, a.gpfns[1]!, hd)).code).toBe(
      "XENMEM_SHARING_OP_C_HANDLE_INVALID",
    );

    // b writes its shared page: one new frame for b, a keeps the shared one.
    const faults = merged.frames.copyToWriteFaults;
    await ok(b.guest.call({ memWrite: { gpfn: b.gpfns[0]!, offset: 0, data: Uint8Array.of(1) } }));
    expect(await b.guest.upcall((u) => u.copyToWrite)).toMatchObject({ gpfn: b.gpfns[0], shared: true });
    const unshared = await memory();
    expect(unshared.frames.used).toBe(merged.frames.used + 1);
    expect(unshared.frames.copyToWriteFaults).toBe(faults + 1);
    expect(unshared.frames.memSharingSaved).toBe(merged.frames.memSharingSaved - 1);
    expect(await read(b.guest, b.gpfns[0]!)).toEqual(Uint8Array.of(1, 9, 9, 9));
    expect(await read(a.guest, a.gpfns[0]!)).toEqual(Uint8Array.of(9, 9, 9, 9));
    // a is the last sharer: its write takes the frame back without a copy.
    await ok(a.guest.call({ memWrite: { gpfn: a.gpfns[0]!, offset: 0, data: Uint8Array.of(2) } }));
    const back = await memory();
    expect(back.frames.used).toBe(unshared.frames.used);
    expect(back.frames.memShared).toBe(before.frames.memShared);
  });
});

describe("the scan behind xl mem-share", () => {
  it("N guests with the same content end with one frame per distinct page, exactly", async () => {
    const N = 4;
    const guests = [];
    // Each guest: two pages every guest has (10, 11), a duplicate of its own (10 again), one of its own.
    for (let i = 0; i < N; i++) guests.push(await guestWith(`scan-${i}`, [10, 11, 10, 100 + i]));
    const before = await memory();
    const result = await memShare({});
    // 4N pages, 2 + N distinct among them: 3N − 2 frames saved (plus what earlier tests left).
    const after = await memory();
    expect(after.frames.used).toBe(before.frames.used - (3 * N - 2));
    expect(after.frames.memSharingSaved - before.frames.memSharingSaved).toBe(3 * N - 2);
    expect(result).toMatchObject({ shared: 3 * N - 2, skipped: 0 });
    for (const { guest, gpfns } of guests) {
      const mfns = (await ok(guest.call({ memTranslate: { gpfns } }))).memTranslate!.mfns!;
      expect(mfns[0]).toBe(mfns[2]);
      expect(await read(guest, gpfns[1]!)).toEqual(Uint8Array.of(11, 11, 11, 11));
    }
    // A second scan finds nothing more to do.
    expect((await memShare({})).shared).toBe(0);
    // A write unshares exactly one page.
    await ok(
      guests[0]!.guest.call({ memWrite: { gpfn: guests[0]!.gpfns[1]!, offset: 0, data: Uint8Array.of(0) } }),
    );
    expect((await memory()).frames.used).toBe(after.frames.used + 1);
    // Freeing a shared page drops one sharer; a dead guest drops all of its.
    await ok(guests[1]!.guest.call({ decreaseReservation: { gpfns: [guests[1]!.gpfns[0]!] } }));
    expect((await memory()).frames.used).toBe(after.frames.used + 1);
    await ok(guests[1]!.guest.call({ decreaseReservation: { gpfns: [guests[1]!.gpfns[3]!] } }));
    expect((await memory()).frames.used).toBe(after.frames.used);
  });

  it("an shm guest's page is shared once it has acknowledged the nomination", async () => {
    const a = await guestWith("scan-shm-a", [42]);
    const b = await guestWith("scan-shm-b", [42]);
    await ok(b.guest.call({ memTransport: { transport: "shm" } }));
    const before = await memory();
    const scan = memShare({ domid: b.guest.domid });
    await b.guest.upcall((u) => u.frameInvalidate);
    b.guest.socket.send(encodeEnvelope({ seq: 0, ack: { lastSeq: b.guest.lastSeq } }));
    expect(await scan).toMatchObject({ shared: 1, skipped: 0 });
    // b's old frame is quarantined until b acknowledges the second invalidate.
    await b.guest.upcall((u) => u.frameInvalidate);
    await b.guest.sync();
    b.guest.socket.send(encodeEnvelope({ seq: 0, ack: { lastSeq: b.guest.lastSeq } }));
    await expect.poll(async () => (await memory()).frames.used).toBe(before.frames.used - 1);
    expect(await read(a.guest, a.gpfns[0]!)).toEqual(Uint8Array.of(42, 42, 42, 42));
  });
});

describe("the periodic mode (XEN_MEM_SHARING_MS)", () => {
  it("shares guests' equal pages without being asked", async () => {
    const periodic = await startTestHost({ memoryMb: 1, memSharingMs: 20 });
    try {
      const a = await periodic.guest("periodic-a");
      const b = await periodic.guest("periodic-b");
      const used = async () => (await periodic.api<MemoryView>("/api/memory")).frames;
      const before = (await used()).used;
      // (Fresh zero pages are equal too: the scan may share them at once, until the writes below.)
      const [pa] = await populate(a, 1);
      const [pb] = await populate(b, 1);
      await ok(a.call({ memWrite: { gpfn: pa!, offset: 0, data: page(77) } }));
      await ok(b.call({ memWrite: { gpfn: pb!, offset: 0, data: page(77) } }));
      await expect.poll(async () => (await used()).memSharingSaved).toBe(1);
      expect((await used()).used).toBe(before + 2 - 1);
    } finally {
      await periodic.hv.close();
    }
  });
});

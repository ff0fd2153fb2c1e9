import { DOMID, GNTCOPY, GNTMAP, GTF } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, readEntry, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

let host: TestHost;
let a: RawClient;
let b: RawClient;
let c: RawClient;
let tableA: number[];
let tableB: number[];
let tableC: number[];

beforeAll(async () => {
  host = await startTestHost();
  a = await host.dom0();
  b = await host.guest("b");
  c = await host.guest("c");
  [tableA, tableB, tableC] = await Promise.all([setupTable(a), setupTable(b), setupTable(c)]);
});
afterAll(() => host.hv.close());

const word = (flags: number, domid: number) =>
  new Uint8Array([flags & 0xff, flags >> 8, domid & 0xff, domid >> 8]);

describe("grant mapping", () => {
  it("sets GTF_reading|GTF_writing while mapped, refuses end_access until the last unmap, and clears them", async () => {
    const [page] = await populate(a, 1);
    await grant(a, tableA, 10, GTF.permit_access, b.domid, page!);
    const mapped = await ok(b.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 10, dom: 0 } }));
    expect((await readEntry(a, tableA, 10)).flags).toBe(GTF.permit_access | GTF.reading | GTF.writing);

    // End access as a guest does: cmpxchg {flags, domid} from the granted value to 0.
    const endAccess = () =>
      a.call({
        memCmpxchg: {
          gpfn: tableA[0]!,
          offset: 80,
          width: 4,
          operand: word(GTF.permit_access, b.domid),
          desired: new Uint8Array(4),
        },
      });
    const refused = await ok(endAccess());
    expect(refused.memAtomic?.old).toEqual(word(GTF.permit_access | GTF.reading | GTF.writing, b.domid));

    await ok(b.call({ gnttabUnmapGrantRef: { handle: mapped.gnttabMapGrantRef!.handle! } }));
    expect((await readEntry(a, tableA, 10)).flags).toBe(GTF.permit_access);
    expect((await ok(endAccess())).memAtomic?.old).toEqual(word(GTF.permit_access, b.domid));
    expect((await readEntry(a, tableA, 10)).flags).toBe(0);
  });

  it("a mapper with a cached copy gets the granter's write as frame_update before the event that follows", async () => {
    const [page] = await populate(a, 1);
    await grant(a, tableA, 11, GTF.permit_access, b.domid, page!);
    const [portA, portB] = await connectPorts(a, b);
    const mapped = await ok(b.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 11, dom: 0 } }));
    const gpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    await ok(b.call({ memRead: { gpfn, offset: 0, length: 4096, cache: true } }));
    await b.sync();
    b.upcalls.length = 0;

    await a.multicall([
      { memWrite: { gpfn: page!, offset: 100, data: new Uint8Array([1, 2, 3]) } },
      { evtchnSend: { port: portA } },
    ]);
    await b.upcall((u) => u.eventPending);
    await b.sync();
    const order = b.upcalls.map((u) => u.kind);
    expect(order[0]).toBe("frameUpdate");
    expect(b.upcalls[0]?.frameUpdate).toMatchObject({ gpfn, offset: 100, data: new Uint8Array([1, 2, 3]) });
    expect(portB).toBeGreaterThan(0);
  });

  it("a read-only mapping refuses writes with −EACCES and leaves the frame unchanged", async () => {
    const [page] = await populate(a, 1);
    await grant(a, tableA, 12, GTF.permit_access | GTF.readonly, b.domid, page!);
    const mapped = await ok(
      b.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map | GNTMAP.readonly, ref: 12, dom: 0 } }),
    );
    const gpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    const write = await b.call({ memWrite: { gpfn, offset: 0, data: new Uint8Array([9]) } });
    expect(write.code).toBe("EACCES");
    const add = await b.call({
      memAdd: { gpfn, offset: 0, width: 4, operand: new Uint8Array([1, 0, 0, 0]) },
    });
    expect(add.code).toBe("EACCES");
    expect((await ok(a.call({ memRead: { gpfn: page!, offset: 0, length: 4 } }))).memRead?.data).toEqual(
      new Uint8Array(4),
    );
  });
});

describe("grant copy and transfer", () => {
  it("copies between a grant and an own frame, and a third domain may copy when both grants name it", async () => {
    const [src, dst] = await populate(a, 2);
    await ok(a.call({ memWrite: { gpfn: src!, offset: 8, data: new Uint8Array([7, 7, 7]) } }));
    await grant(a, tableA, 20, GTF.permit_access | GTF.readonly, c.domid, src!);
    await grant(a, tableA, 21, GTF.permit_access, c.domid, dst!);
    await ok(
      c.call({
        gnttabCopy: {
          source: { ref: 20, domid: 0, offset: 8 },
          dest: { ref: 21, domid: 0, offset: 100 },
          len: 3,
          flags: GNTCOPY.source_gref | GNTCOPY.dest_gref,
        },
      }),
    );
    expect((await ok(a.call({ memRead: { gpfn: dst!, offset: 100, length: 3 } }))).memRead?.data).toEqual(
      new Uint8Array([7, 7, 7]),
    );
    const [own] = await populate(c, 1);
    await ok(
      c.call({
        gnttabCopy: {
          source: { ref: 20, domid: 0, offset: 8 },
          dest: { gmfn: own!, domid: DOMID.SELF },
          len: 3,
          flags: GNTCOPY.source_gref,
        },
      }),
    );
    expect((await ok(c.call({ memRead: { gpfn: own!, offset: 0, length: 3 } }))).memRead?.data).toEqual(
      new Uint8Array([7, 7, 7]),
    );
    // Writing through a read-only grant is refused.
    const refused = await c.call({
      gnttabCopy: {
        source: { gmfn: own!, domid: DOMID.SELF },
        dest: { ref: 20, domid: 0 },
        len: 1,
        flags: GNTCOPY.dest_gref,
      },
    });
    expect(refused.code).toBe("GNTST_general_error");
  });

  it("transfer flips the page: new owner, new gpfn in the entry, committed then completed, data kept", async () => {
    const [page] = await populate(b, 1);
    await ok(b.call({ memWrite: { gpfn: page!, offset: 0, data: new Uint8Array([42]) } }));
    await grant(c, tableC, 5, GTF.accept_transfer, b.domid, 0);
    const before = await host.api<{ domid: number; frames: number }[]>("/api/domains");
    await ok(b.call({ gnttabTransfer: { mfn: page!, domid: c.domid, ref: 5 } }));
    const entry = await readEntry(c, tableC, 5);
    expect(entry.flags).toBe(GTF.accept_transfer | GTF.transfer_committed | GTF.transfer_completed);
    expect(
      (await ok(c.call({ memRead: { gpfn: entry.frame, offset: 0, length: 1 } }))).memRead?.data,
    ).toEqual(new Uint8Array([42]));
    expect((await b.call({ memRead: { gpfn: page!, offset: 0, length: 1 } })).code).toBe("EINVAL");
    const after = await host.api<{ domid: number; frames: number }[]>("/api/domains");
    const frames = (list: typeof before, domid: number) => list.find((d) => d.domid === domid)!.frames;
    expect(frames(after, b.domid)).toBe(frames(before, b.domid) - 1);
    expect(frames(after, c.domid)).toBe(frames(before, c.domid) + 1);
    // The entry is committed: a second transfer into it is refused.
    const [another] = await populate(b, 1);
    expect((await b.call({ gnttabTransfer: { mfn: another!, domid: c.domid, ref: 5 } })).code).toBe(
      "GNTST_general_error",
    );
    expect(tableB.length).toBe(1);
  });
});

describe("grant revoke", () => {
  it("asks mappers to unmap, then unmaps by force after the deadline and invalidates their copy", async () => {
    const [page] = await populate(a, 1);
    await grant(a, tableA, 30, GTF.permit_access, b.domid, page!);
    const mapped = await ok(b.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 30, dom: 0 } }));
    const { handle, hostGpfn } = mapped.gnttabMapGrantRef!;
    const revoke = await ok(a.call({ gnttabRevoke: { ref: 30, deadlineMs: 50 } }));
    expect(revoke.gnttabRevoke?.mappers).toBe(1);
    expect(await b.upcall((u) => u.grantRevoke)).toMatchObject({ dom: 0, ref: 30, handle, forced: false });
    expect(await b.upcall((u) => (u.grantRevoke?.forced ? u.grantRevoke : undefined))).toMatchObject({
      handle,
      forced: true,
    });
    expect(await b.upcall((u) => u.frameInvalidate)).toMatchObject({ gpfn: hostGpfn });
    expect((await b.call({ gnttabUnmapGrantRef: { handle: handle! } })).code).toBe("GNTST_bad_handle");
    expect((await readEntry(a, tableA, 30)).flags).toBe(GTF.permit_access);
  });
});

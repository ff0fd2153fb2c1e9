// The shm memory transport at the hypervisor: what a domain learns of machine frames, that an
// shm domain is sent no frame copies, that an shm writer's in-place writes still reach socket
// domains' copies before its event, that a frame taken back by force from an shm mapper is not
// reused until the mapper has processed the revoke, and that a dead shm domain gives every frame back.
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { encodeEnvelope, GNTMAP, GTF, XEN_DOMCTL, XEN_PAGE_SIZE } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, readEntry, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

interface MemoryView {
  frames: { total: number; used: number; shared: number; free: number };
}

let host: TestHost;
let dom0: RawClient;
let table: number[];
let fd: number;

/** The bytes of machine frame `mfn`, read from the memory file as an shm domain does. */
function frameBytes(mfn: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  readSync(fd, out, 0, length, mfn * XEN_PAGE_SIZE + offset);
  return out;
}

/** An shm domain's in-place write: straight into the memory file, unseen by the hypervisor. */
function writeInPlace(mfn: number, offset: number, bytes: Uint8Array): void {
  writeSync(fd, bytes, 0, bytes.length, mfn * XEN_PAGE_SIZE + offset);
}

async function shmGuest(name: string): Promise<RawClient> {
  const guest = await host.guest(name);
  await ok(guest.call({ memTransport: { transport: "shm" } }));
  return guest;
}

/** Acknowledges every hypervisor frame received, as libxen does periodically. */
function ack(client: RawClient): void {
  client.socket.send(encodeEnvelope({ seq: 0, ack: { lastSeq: client.lastSeq } }));
}

const frames = async () => (await host.api<MemoryView>("/api/memory")).frames;

beforeAll(async () => {
  host = await startTestHost({ memoryMb: 1, limits: { ratePerSec: 0 } });
  dom0 = await host.dom0();
  await ok(dom0.call({ memTransport: { transport: "shm" } }));
  table = await setupTable(dom0);
  fd = openSync(host.hv.memory.path, "r+");
});
afterAll(async () => {
  closeSync(fd);
  await host.hv.close();
});

describe("the shm transport", () => {
  it("names the machine frame of every frame a reply gives, and mem_translate agrees", async () => {
    const populated = await ok(dom0.call({ populatePhysmap: { nrExtents: 2 } }));
    const { gpfns, mfns } = populated.populatePhysmap!;
    expect(mfns).toHaveLength(2);
    const translated = await ok(dom0.call({ memTranslate: { gpfns: gpfns! } }));
    expect(translated.memTranslate?.mfns).toEqual(mfns);
    await ok(dom0.call({ memWrite: { gpfn: gpfns![0]!, offset: 9, data: Uint8Array.of(5, 6) } }));
    expect(frameBytes(mfns![0]!, 9, 2)).toEqual(Uint8Array.of(5, 6)); // the very bytes, in place

    const guest = await shmGuest("shm-names");
    await grant(dom0, table, 1, GTF.permit_access | GTF.readonly, guest.domid, gpfns![1]!);
    const flags = GNTMAP.host_map | GNTMAP.readonly;
    const mapped = await ok(guest.call({ gnttabMapGrantRef: { flags, ref: 1, dom: 0 } }));
    expect(mapped.gnttabMapGrantRef?.mfn).toBe(mfns![1]);
    const again = await ok(guest.call({ memTranslate: { gpfns: [mapped.gnttabMapGrantRef!.hostGpfn!] } }));
    expect(again.memTranslate).toMatchObject({ mfns: [mfns![1]], readonly: [true] });
    const setup = await ok(guest.call({ gnttabSetupTable: { nrFrames: 1 } }));
    expect(setup.gnttabSetupTable?.mfns).toHaveLength(1);
    await guest.call({ schedOp: { cmd: 0, reason: 0 } });
  });

  it("refuses what is not the caller's, and a bad transport, changing nothing", async () => {
    const guest = await shmGuest("shm-refuse");
    expect((await guest.call({ memTranslate: { gpfns: [4000] } })).code).toBe("EINVAL");
    expect((await guest.call({ memTranslate: { gpfns: Array(4097).fill(1) } })).code).toBe("E2BIG");
    expect((await guest.call({ memTransport: { transport: "carrier-pigeon" } })).code).toBe("EINVAL");
    // Still shm: a cached read registers no copy, so dom0 writing the frame sends it nothing.
    const [gpfn] = await populate(guest, 1);
    const [own] = await populate(dom0, 1);
    await ok(guest.call({ memRead: { gpfn: gpfn!, offset: 0, length: 8, cache: true } }));
    await ok(
      dom0.call({
        gnttabCopy: {
          source: { gmfn: own!, domid: 0x7ff0 },
          dest: { gmfn: gpfn!, domid: guest.domid },
          len: 8,
          flags: 0,
        },
      }),
    );
    await guest.sync();
    expect(guest.upcalls.filter((u) => u.frameUpdate)).toEqual([]);
  });

  it("sends an shm domain no frame_update: it keeps no copy", async () => {
    const [page] = await populate(dom0, 1);
    const guest = await shmGuest("shm-nocopy");
    await grant(dom0, table, 2, GTF.permit_access, guest.domid, page!);
    const mapped = await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 2, dom: 0 } }));
    const gpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    await ok(guest.call({ memRead: { gpfn, offset: 0, length: XEN_PAGE_SIZE, cache: true } }));
    const [portDom0] = await connectPorts(dom0, guest);
    await dom0.multicall([
      { memWrite: { gpfn: page!, offset: 0, data: Uint8Array.of(1, 2, 3) } },
      { evtchnSend: { port: portDom0 } },
    ]);
    await guest.upcall((u) => u.eventPending);
    await guest.sync();
    expect(guest.upcalls.filter((u) => u.frameUpdate)).toEqual([]);
    expect(frameBytes(mapped.gnttabMapGrantRef!.mfn!, 0, 3)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("brings a socket domain's copy up to date with an shm writer's in-place write before its event", async () => {
    const populated = await ok(dom0.call({ populatePhysmap: { nrExtents: 1 } }));
    const page = populated.populatePhysmap!.gpfns![0]!;
    const mfn = populated.populatePhysmap!.mfns![0]!;
    const reader = await host.guest("socket-reader"); // socket: keeps a copy
    await grant(dom0, table, 3, GTF.permit_access | GTF.readonly, reader.domid, page);
    const flags = GNTMAP.host_map | GNTMAP.readonly;
    const mapped = await ok(reader.call({ gnttabMapGrantRef: { flags, ref: 3, dom: 0 } }));
    const gpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    await ok(reader.call({ memRead: { gpfn, offset: 0, length: XEN_PAGE_SIZE, cache: true } }));
    const [portDom0] = await connectPorts(dom0, reader);
    await reader.sync();
    reader.upcalls.length = 0;

    writeInPlace(mfn, 100, Uint8Array.of(7, 8, 9)); // dom0 writes in place…
    await ok(dom0.call({ evtchnSend: { port: portDom0 } })); // …then notifies
    await reader.upcall((u) => u.eventPending);
    await reader.sync();
    expect(reader.upcalls[0]?.frameUpdate).toMatchObject({ gpfn, offset: 100, data: Uint8Array.of(7, 8, 9) });
  });

  it("shows a socket domain an shm peer's in-place write by the reply to its own next call (its barrier)", async () => {
    const populated = await ok(dom0.call({ populatePhysmap: { nrExtents: 1 } }));
    const page = populated.populatePhysmap!.gpfns![0]!;
    const mfn = populated.populatePhysmap!.mfns![0]!;
    const reader = await host.guest("socket-barrier");
    await grant(dom0, table, 6, GTF.permit_access | GTF.readonly, reader.domid, page);
    const flags = GNTMAP.host_map | GNTMAP.readonly;
    const mapped = await ok(reader.call({ gnttabMapGrantRef: { flags, ref: 6, dom: 0 } }));
    const gpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    await ok(reader.call({ memRead: { gpfn, offset: 0, length: XEN_PAGE_SIZE, cache: true } }));
    await reader.sync();
    reader.upcalls.length = 0;

    writeInPlace(mfn, 40, Uint8Array.of(4, 4)); // dom0 writes in place and makes no call
    await reader.sync(); // the reader's round trip
    expect(reader.upcalls.map((u) => u.frameUpdate)).toEqual([
      expect.objectContaining({ gpfn, offset: 40, data: Uint8Array.of(4, 4) }),
    ]);
  });

  it("keeps a frame taken by force from an shm mapper out of the free pool until the mapper acknowledges", async () => {
    const [page] = await populate(dom0, 1);
    const mapper = await shmGuest("shm-revoked");
    await grant(dom0, table, 4, GTF.permit_access, mapper.domid, page!);
    await ok(mapper.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 4, dom: 0 } }));
    const before = await frames();
    await ok(dom0.call({ gnttabRevoke: { ref: 4, deadlineMs: 1 } }));
    await mapper.upcall((u) => (u.grantRevoke?.forced ? u.grantRevoke : undefined));
    expect((await readEntry(dom0, table, 4)).flags).toBe(GTF.permit_access); // unmapped
    // dom0 ends access and frees the page at once: the frame stays pinned (quarantined).
    await grant(dom0, table, 4, 0, 0, 0);
    await ok(dom0.call({ decreaseReservation: { gpfns: [page!] } }));
    expect(await frames()).toMatchObject({ used: before.used, free: before.free });
    // The mapper has processed the revoke: it says so, and the frame goes back, exactly.
    ack(mapper);
    await mapper.sync();
    expect(await frames()).toMatchObject({
      used: before.used - 1,
      free: before.free + 1,
      shared: before.shared - 1,
    });
  });

  it("gives every frame back when an shm domain dies, mapped or owned, quarantined or not", async () => {
    const before = await frames();
    const [page] = await populate(dom0, 1);
    const guest = await shmGuest("shm-dies");
    await populate(guest, 5);
    await setupTable(guest);
    await grant(dom0, table, 5, GTF.permit_access, guest.domid, page!);
    await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 5, dom: 0 } }));
    await ok(dom0.call({ gnttabRevoke: { ref: 5, deadlineMs: 1 } }));
    await guest.upcall((u) => (u.grantRevoke?.forced ? u.grantRevoke : undefined)); // never acknowledged
    await grant(dom0, table, 5, 0, 0, 0);
    await ok(dom0.call({ decreaseReservation: { gpfns: [page!] } }));
    await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: guest.domid } }));
    expect(await frames()).toEqual(before);
  });
});

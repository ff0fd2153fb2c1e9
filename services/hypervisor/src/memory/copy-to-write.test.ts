// The Copy-To-Write fault at the hypervisor (docs/design.md#copy-to-write): a copy_to_write
// grant mapping reads the granter's frame; the first write makes exactly one private frame charged
// to the writer, tells it with an upcall, and leaves the other mappers on the shared frame. On
// both transports: socket writes fault inside mem_write/mem_add; an shm writer calls
// mem_copy_to_write and then writes its private frame in place. A revoke leaves the copy alone.
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { encodeEnvelope, GNTMAP, GTF, XEN_PAGE_SIZE } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grant, ok, populate, readEntry, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

interface MemoryView {
  frames: { used: number; privateCopies: number; copyToWriteFaults: number };
  domains: { domid: number; frames: number }[];
}

const COW = GNTMAP.host_map | GNTMAP.copy_to_write;
let host: TestHost;
let dom0: RawClient;
let table: number[];
let fd: number;
let nextRef = 1;

const memory = () => host.api<MemoryView>("/api/memory");
const framesOf = (view: MemoryView, domid: number) => view.domains.find((d) => d.domid === domid)!.frames;

function inPlace(mfn: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  readSync(fd, out, 0, length, mfn * XEN_PAGE_SIZE + offset);
  return out;
}

/** dom0 grants a fresh page filled with `fill`, read-only, to each of `guests`; returns gpfn and refs. */
async function sharedPage(fill: number, guests: RawClient[]) {
  const [gpfn] = await populate(dom0, 1);
  await ok(
    dom0.call({ memWrite: { gpfn: gpfn!, offset: 0, data: new Uint8Array(XEN_PAGE_SIZE).fill(fill) } }),
  );
  const refs: number[] = [];
  for (const guest of guests) {
    const ref = nextRef++;
    await grant(dom0, table, ref, GTF.permit_access | GTF.readonly, guest.domid, gpfn!);
    refs.push(ref);
  }
  return { gpfn: gpfn!, refs };
}

async function mapCow(guest: RawClient, ref: number) {
  const reply = await ok(guest.call({ gnttabMapGrantRef: { flags: COW, ref, dom: 0 } }));
  return reply.gnttabMapGrantRef!;
}

const read = async (client: RawClient, gpfn: number, offset: number, length: number) =>
  (await ok(client.call({ memRead: { gpfn, offset, length } }))).memRead!.data!;

beforeAll(async () => {
  host = await startTestHost({ memoryMb: 2, limits: { ratePerSec: 0 } });
  dom0 = await host.dom0();
  table = await setupTable(dom0);
  fd = openSync(host.hv.memory.path, "r+");
});
afterAll(async () => {
  closeSync(fd);
  await host.hv.close();
});

describe("the Copy-To-Write fault (socket writers)", () => {
  it("reads the shared frame; the first write makes one private frame for the writer only", async () => {
    const b = await host.guest("cow-b");
    const c = await host.guest("cow-c");
    const { gpfn, refs } = await sharedPage(7, [b, c]);
    const mb = await mapCow(b, refs[0]!);
    const mc = await mapCow(c, refs[1]!);
    expect(mb.mfn).toBe(mc.mfn); // one frame, two mappers
    expect((await readEntry(dom0, table, refs[0]!)).flags).toBe(
      GTF.permit_access | GTF.readonly | GTF.reading,
    );
    expect(await read(b, mb.hostGpfn!, 0, 2)).toEqual(Uint8Array.of(7, 7));
    const before = await memory();

    await ok(b.call({ memWrite: { gpfn: mb.hostGpfn!, offset: 1, data: Uint8Array.of(9) } }));
    const fault = await b.upcall((u) => u.copyToWrite);
    expect(fault).toMatchObject({ gpfn: mb.hostGpfn, dom: 0, ref: refs[0], handle: mb.handle });
    expect(fault.mfn).not.toBe(mb.mfn);
    const after = await memory();
    expect(after.frames.used).toBe(before.frames.used + 1);
    expect(after.frames.privateCopies).toBe(before.frames.privateCopies + 1);
    expect(after.frames.copyToWriteFaults).toBe(before.frames.copyToWriteFaults + 1);
    expect(framesOf(after, b.domid)).toBe(framesOf(before, b.domid) + 1); // charged to the writer
    expect(framesOf(after, 0)).toBe(framesOf(before, 0));

    // The writer sees its copy with its write; everyone else the shared bytes.
    expect(await read(b, mb.hostGpfn!, 0, 3)).toEqual(Uint8Array.of(7, 9, 7));
    expect(await read(c, mc.hostGpfn!, 0, 3)).toEqual(Uint8Array.of(7, 7, 7));
    expect(await read(dom0, gpfn, 0, 3)).toEqual(Uint8Array.of(7, 7, 7));
    expect(inPlace(fault.mfn!, 0, 3)).toEqual(Uint8Array.of(7, 9, 7));
    // b no longer reads dom0's frame: its reader count went; c's keeps GTF_reading on its own ref.
    expect((await readEntry(dom0, table, refs[0]!)).flags).toBe(GTF.permit_access | GTF.readonly);

    // A second write to the page, and an atomic, are no fault.
    await ok(b.call({ memWrite: { gpfn: mb.hostGpfn!, offset: 2, data: Uint8Array.of(8) } }));
    await ok(
      b.call({ memAdd: { gpfn: mb.hostGpfn!, offset: 4, width: 4, operand: Uint8Array.of(1, 0, 0, 0) } }),
    );
    expect((await memory()).frames).toEqual(after.frames);

    // Unmapping frees the copy: frames in use and the writer's count are back.
    await ok(b.call({ gnttabUnmapGrantRef: { handle: mb.handle! } }));
    const unmapped = await memory();
    expect(unmapped.frames.used).toBe(before.frames.used);
    expect(unmapped.frames.privateCopies).toBe(before.frames.privateCopies);
    expect(framesOf(unmapped, b.domid)).toBe(framesOf(before, b.domid));
  });

  it("makes exactly one frame per written page, for atomics and grant copies into the page too", async () => {
    const b = await host.guest("cow-many");
    const pages = [await sharedPage(1, [b]), await sharedPage(2, [b]), await sharedPage(3, [b])];
    const maps = [];
    for (const page of pages) maps.push(await mapCow(b, page.refs[0]!));
    const before = await memory();
    await ok(
      b.call({
        memAdd: { gpfn: maps[0]!.hostGpfn!, offset: 0, width: 4, operand: Uint8Array.of(1, 0, 0, 0) },
      }),
    );
    // A failed cmpxchg is a write cycle too (x86's lock cmpxchg): it faults.
    await ok(
      b.call({
        memCmpxchg: {
          gpfn: maps[1]!.hostGpfn!,
          offset: 0,
          width: 4,
          operand: new Uint8Array(4),
          desired: Uint8Array.of(5, 5, 5, 5),
        },
      }),
    );
    const [own] = await populate(b, 1);
    await ok(
      b.call({
        gnttabCopy: {
          source: { gmfn: own!, domid: 0x7ff0 },
          dest: { gmfn: maps[2]!.hostGpfn!, domid: 0x7ff0 },
          len: 4,
          flags: 0,
        },
      }),
    );
    const after = await memory();
    expect(after.frames.used).toBe(before.frames.used + 3 + 1); // three copies, one populated
    expect(after.frames.copyToWriteFaults).toBe(before.frames.copyToWriteFaults + 3);
    expect(await read(b, maps[0]!.hostGpfn!, 0, 4)).toEqual(Uint8Array.of(2, 1, 1, 1));
    expect(await read(b, maps[1]!.hostGpfn!, 0, 4)).toEqual(Uint8Array.of(2, 2, 2, 2));
    expect(await read(b, maps[2]!.hostGpfn!, 0, 4)).toEqual(new Uint8Array(4));
    for (const page of pages)
      expect(await read(dom0, page.gpfn, 0, 1)).toEqual(Uint8Array.of(pages.indexOf(page) + 1));
  });

  it("a writer whose reservation is full gets ENOMEM and its mapping stays shared", async () => {
    const b = await host.guest("cow-full", 1);
    await populate(b, 1); // the whole reservation
    const { refs } = await sharedPage(4, [b]);
    const mapped = await mapCow(b, refs[0]!);
    const before = await memory();
    const write = await b.call({ memWrite: { gpfn: mapped.hostGpfn!, offset: 0, data: Uint8Array.of(1) } });
    expect(write.code).toBe("ENOMEM");
    expect((await memory()).frames).toEqual(before.frames);
    expect(await read(b, mapped.hostGpfn!, 0, 1)).toEqual(Uint8Array.of(4));
  });

  it("after a revoke the writer keeps its private copy; only unwritten mappings are taken", async () => {
    const b = await host.guest("cow-revoke-b");
    const c = await host.guest("cow-revoke-c");
    const { refs } = await sharedPage(5, [b, c]);
    const mb = await mapCow(b, refs[0]!);
    const mc = await mapCow(c, refs[1]!);
    await ok(b.call({ memWrite: { gpfn: mb.hostGpfn!, offset: 0, data: Uint8Array.of(6) } }));
    await b.upcall((u) => u.copyToWrite);
    // b's mapping no longer holds the grant: revoking it asks nobody.
    expect(
      (await ok(dom0.call({ gnttabRevoke: { ref: refs[0]!, deadlineMs: 10 } }))).gnttabRevoke?.mappers,
    ).toBe(0);
    expect(
      (await ok(dom0.call({ gnttabRevoke: { ref: refs[1]!, deadlineMs: 10 } }))).gnttabRevoke?.mappers,
    ).toBe(1);
    await c.upcall((u) => (u.grantRevoke?.forced ? u.grantRevoke : undefined));
    expect((await c.call({ memRead: { gpfn: mc.hostGpfn!, offset: 0, length: 1 } })).code).toBe("EINVAL");
    expect(await read(b, mb.hostGpfn!, 0, 2)).toEqual(Uint8Array.of(6, 5));
    // The granter may end access; the copy lives on until b unmaps it.
    expect((await readEntry(dom0, table, refs[0]!)).flags & (GTF.reading | GTF.writing)).toBe(0);
    const before = await memory();
    await ok(b.call({ gnttabUnmapGrantRef: { handle: mb.handle! } }));
    expect((await memory()).frames.used).toBe(before.frames.used - 1);
  });

  it("a domain that dies with a private copy gives it back", async () => {
    const b = await host.guest("cow-dies");
    const { refs } = await sharedPage(8, [b]);
    const mapped = await mapCow(b, refs[0]!);
    const before = await memory();
    await ok(b.call({ memWrite: { gpfn: mapped.hostGpfn!, offset: 0, data: Uint8Array.of(1) } }));
    await ok(dom0.call({ domctl: { cmd: 2, domain: b.domid } })); // XEN_DOMCTL_destroydomain
    await expect.poll(async () => (await memory()).frames.used).toBe(before.frames.used);
    expect((await memory()).frames.privateCopies).toBe(before.frames.privateCopies);
  });
});

describe("the Copy-To-Write fault (shm writers)", () => {
  it("mem_translate says copy-to-write; mem_copy_to_write faults once and the writer writes in place", async () => {
    const b = await host.guest("cow-shm");
    await ok(b.call({ memTransport: { transport: "shm" } }));
    const c = await host.guest("cow-shm-reader");
    const { gpfn, refs } = await sharedPage(3, [b, c]);
    const mb = await mapCow(b, refs[0]!);
    const mc = await mapCow(c, refs[1]!);
    const translated = (await ok(b.call({ memTranslate: { gpfns: [mb.hostGpfn!] } }))).memTranslate!;
    expect(translated).toMatchObject({ mfns: [mb.mfn], readonly: [true], copyToWrite: [true] });
    const before = await memory();

    const faulted = (await ok(b.call({ memCopyToWrite: { gpfns: [mb.hostGpfn!] } }))).memCopyToWrite!;
    const mfn = faulted.mfns![0]!;
    expect(mfn).not.toBe(mb.mfn);
    expect(await b.upcall((u) => u.copyToWrite)).toMatchObject({ gpfn: mb.hostGpfn, mfn });
    // Asking again is no second fault: the page is writable, the same frame answered.
    expect((await ok(b.call({ memCopyToWrite: { gpfns: [mb.hostGpfn!] } }))).memCopyToWrite!.mfns).toEqual([
      mfn,
    ]);
    const after = await memory();
    expect(after.frames.used).toBe(before.frames.used + 1);
    expect(after.frames.copyToWriteFaults).toBe(before.frames.copyToWriteFaults + 1);
    expect((await ok(b.call({ memTranslate: { gpfns: [mb.hostGpfn!] } }))).memTranslate).toMatchObject({
      mfns: [mfn],
      readonly: [false],
      copyToWrite: [false],
    });

    writeSync(fd, Uint8Array.of(42), 0, 1, mfn * XEN_PAGE_SIZE); // the shm writer's store, in place
    expect(inPlace(mfn, 0, 2)).toEqual(Uint8Array.of(42, 3));
    expect(await read(c, mc.hostGpfn!, 0, 2)).toEqual(Uint8Array.of(3, 3));
    expect(await read(dom0, gpfn, 0, 2)).toEqual(Uint8Array.of(3, 3));
    expect(inPlace(mb.mfn!, 0, 1)).toEqual(Uint8Array.of(3));
    b.socket.send(encodeEnvelope({ seq: 0, ack: { lastSeq: b.lastSeq } }));
  });

  it("refuses mem_copy_to_write on a read-only mapping that is not copy-to-write", async () => {
    const b = await host.guest("cow-shm-ro");
    const { refs } = await sharedPage(1, [b]);
    const mapped = await ok(
      b.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map | GNTMAP.readonly, ref: refs[0]!, dom: 0 } }),
    );
    const reply = await b.call({ memCopyToWrite: { gpfns: [mapped.gnttabMapGrantRef!.hostGpfn!] } });
    expect(reply.code).toBe("EACCES");
  });
});

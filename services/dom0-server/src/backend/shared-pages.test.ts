// Shared mode: guests map the page cache's own frames; dom0's writes reach the pages they hold.
import { ATTR, ATTR_RECORD_SIZE, attrRecordCodec, attrRecordOffset, O } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { hvApi } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestFront } from "../../test/fs-front.js";
import { ok } from "../../test/ok.js";
import { startTestServer, type TestServer } from "../../test/server.js";

const PAGE = 4096;
const text = new TextDecoder();

interface Guest {
  domain: XenDomain;
  front: TestFront;
}

async function openFile(guest: Guest, path: string, flags: number) {
  return ok(
    "open",
    await guest.front.call({ op: "open", path: await guest.front.path(path), flags, mode: 0o644 }),
  );
}

/** map_pages, then the guest maps every granted frame read-only; returns their gpfns. */
async function mapAll(guest: Guest, fd: number, count: number) {
  const answer = ok(
    "map_pages",
    await guest.front.call({ op: "map_pages", fd, first: 0, count, indirect: false, listGref: 0 }),
  );
  const grefs = "grefs" in answer.pages ? answer.pages.grefs : [];
  const gpfns = [];
  for (const ref of grefs)
    gpfns.push((await guest.domain.grants.mapGrantRef(0, ref, { readonly: true })).gpfn);
  return { answer, grefs, gpfns };
}

/** Both transports, and the mixed host: dom0 writing in place, guests keeping socket copies. */
const HOSTS = [
  { dom0: "shm", guests: "shm" },
  { dom0: "socket", guests: "socket" },
  { dom0: "shm", guests: "socket" },
] as const;

describe.each(HOSTS)("shared mode: one set of frames for every guest (dom0 $dom0, guests $guests)", (mix) => {
  let host: TestServer;
  let alice: Guest;
  let bob: Guest;
  const content = `${"a".repeat(PAGE)}${"b".repeat(PAGE)}tail`;

  beforeAll(async () => {
    host = await startTestServer({ dom0Transport: mix.dom0, guestTransport: mix.guests });
    await host.put("shared.txt", content);
    alice = await host.guest("alice");
    bob = await host.guest("bob");
  });
  afterAll(async () => host?.stop());

  it("grants both guests the same cache frames, filled from disk once", async () => {
    const a = await openFile(alice, "shared.txt", O.O_RDONLY);
    const b = await openFile(bob, "shared.txt", O.O_RDONLY);
    const before = await hvApi<{ frames: { shared: number } }>(host.hv, "/api/memory");
    const fromAlice = await mapAll(alice, a.fd, 5);
    const fromBob = await mapAll(bob, b.fd, 5);
    expect(fromAlice.answer).toMatchObject({ size: content.length });
    expect(fromAlice.grefs).toHaveLength(3); // fewer than asked: the file ends in page 2
    expect(text.decode(await alice.domain.memory.read(fromAlice.gpfns[2] as number, 0, 4))).toBe("tail");
    expect(text.decode(await bob.domain.memory.read(fromBob.gpfns[1] as number, 0, 3))).toBe("bbb");

    const cache = await host.api<{ frames: number; misses: number; hits: number }>("/api/cache");
    expect(cache).toMatchObject({ frames: 3, misses: 3, hits: 3 });
    const after = await hvApi<{ frames: { shared: number } }>(host.hv, "/api/memory");
    expect(after.frames.shared).toBeGreaterThan(before.frames.shared);
  });

  it("a write by one guest reaches the pages and attribute record another guest holds, before the write's answer", async () => {
    const reader = await openFile(bob, "shared.txt", O.O_RDONLY);
    const { gpfns } = await mapAll(bob, reader.fd, 3);
    const { gpfn: attrGpfn } = await bob.domain.grants.mapGrantRef(0, reader.attrGref, { readonly: true });
    const record = async () =>
      attrRecordCodec.decode(
        (
          await bob.domain.memory.read(attrGpfn, attrRecordOffset(reader.attrIndex), ATTR_RECORD_SIZE)
        ).slice(),
      );
    const before = await record();
    expect(before).toMatchObject({ size: content.length, flags: ATTR.ATTR_VALID });

    const writer = await openFile(alice, "shared.txt", O.O_RDWR);
    // 6 bytes across the boundary of pages 0 and 1, and 4 bytes past the end.
    const data = await alice.front.page(new TextEncoder().encode("XYZXYZ"));
    ok(
      "write",
      await alice.front.call({
        op: "write",
        fd: writer.fd,
        len: 6,
        offset: PAGE - 3,
        pages: { grefs: [data.ref] },
      }),
    );
    const grow = await alice.front.page(new TextEncoder().encode("MORE"));
    ok(
      "write",
      await alice.front.call({
        op: "write",
        fd: writer.fd,
        len: 4,
        offset: content.length,
        pages: { grefs: [grow.ref] },
      }),
    );

    // bob asks nothing: his mapped frames and record are already current.
    expect(text.decode(await bob.domain.memory.read(gpfns[0] as number, PAGE - 3, 3))).toBe("XYZ");
    expect(text.decode(await bob.domain.memory.read(gpfns[1] as number, 0, 4))).toBe("XYZb");
    expect(text.decode(await bob.domain.memory.read(gpfns[2] as number, 0, 8))).toBe("tailMORE");
    const after = await record();
    expect(after.size).toBe(content.length + 4);
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.ino).toBe(before.ino);
  });

  it("a truncate zeros what it cut from held pages and shrinks the record", async () => {
    const reader = await openFile(bob, "shared.txt", O.O_RDONLY);
    const { gpfns } = await mapAll(bob, reader.fd, 3);
    ok(
      "truncate",
      await alice.front.call({
        op: "truncate",
        path: await alice.front.path("shared.txt"),
        length: PAGE + 2,
      }),
    );
    expect([...(await bob.domain.memory.read(gpfns[1] as number, 0, 4))]).toEqual([0x58, 0x59, 0, 0]);
    expect([...(await bob.domain.memory.read(gpfns[2] as number, 0, 4))]).toEqual([0, 0, 0, 0]);
    const again = ok(
      "map_pages",
      await bob.front.call({
        op: "map_pages",
        fd: reader.fd,
        first: 0,
        count: 3,
        indirect: false,
        listGref: 0,
      }),
    );
    expect(again.size).toBe(PAGE + 2);
  });

  it("answers a long range through the guest's indirect gref-list page", async () => {
    await host.put("long.bin", new Uint8Array(30 * PAGE).fill(7));
    const file = await openFile(alice, "long.bin", O.O_RDONLY);
    const list = await alice.front.page();
    const answer = ok(
      "map_pages",
      await alice.front.call({
        op: "map_pages",
        fd: file.fd,
        first: 0,
        count: 30,
        indirect: true,
        listGref: list.ref,
      }),
    );
    expect(answer.pages).toEqual({ listGref: list.ref, count: 30 });
    const view = new DataView((await alice.front.read(list, 4 + 4 * 30)).buffer);
    expect(view.getUint32(0, true)).toBe(30);
    const { gpfn } = await alice.domain.grants.mapGrantRef(0, view.getUint32(4 + 4 * 29, true), {
      readonly: true,
    });
    expect((await alice.domain.memory.read(gpfn, 0, 1))[0]).toBe(7);
  });
});

import { XEN_DOMCTL } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, populate } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

interface MemoryView {
  frames: { total: number; used: number; shared: number; free: number };
  domains: { domid: number; frames: number }[];
}

/** /api/memory less the host's real memory, which moves with the test process itself. */
const ledger = async () => {
  const { host: _real, ...view } = await host.api<MemoryView & { host: unknown }>("/api/memory");
  return view;
};

let host: TestHost;
let dom0: RawClient;
let g: RawClient;

beforeAll(async () => {
  host = await startTestHost({ memoryMb: 1 }); // 256 frames
  dom0 = await host.dom0();
  g = await host.guest("mem", 64);
});
afterAll(() => host.hv.close());

const le = (...bytes: number[]) => new Uint8Array(bytes);

describe("memory", () => {
  it("populates zeroed frames within the reservation, all or nothing", async () => {
    const gpfns = await populate(g, 4);
    expect(gpfns).toEqual([1, 2, 3, 4]);
    const read = await ok(g.call({ memRead: { gpfn: 4, offset: 0, length: 4096 } }));
    expect(read.memRead?.data).toEqual(new Uint8Array(4096));
    const before = await ledger();
    expect((await g.call({ populatePhysmap: { nrExtents: 61 } })).code).toBe("ENOMEM"); // 4 + 61 > 64
    expect(await ledger()).toEqual(before);
  });

  it("never exceeds the machine pool", async () => {
    const big = await host.guest("big");
    const { frames } = await host.api<MemoryView>("/api/memory");
    expect((await big.call({ populatePhysmap: { nrExtents: frames.free + 1 } })).code).toBe("ENOMEM");
    await populate(big, frames.free);
    expect((await host.api<MemoryView>("/api/memory")).frames.free).toBe(0);
    expect((await g.call({ populatePhysmap: { nrExtents: 1 } })).code).toBe("ENOMEM");
    await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: big.domid } }));
    expect((await host.api<MemoryView>("/api/memory")).frames.free).toBe(frames.free);
  });

  it("reads and writes within one frame; crossing the boundary or an unpopulated gpfn is −EINVAL", async () => {
    await ok(g.call({ memWrite: { gpfn: 1, offset: 4090, data: le(1, 2, 3, 4, 5, 6) } }));
    expect((await ok(g.call({ memRead: { gpfn: 1, offset: 4092, length: 4 } }))).memRead?.data).toEqual(
      le(3, 4, 5, 6),
    );
    const cases: [Parameters<RawClient["call"]>[0], string][] = [
      [{ memWrite: { gpfn: 1, offset: 4095, data: le(1, 2) } }, "EINVAL"],
      [{ memRead: { gpfn: 1, offset: 4000, length: 97 } }, "EINVAL"],
      [{ memRead: { gpfn: 1, offset: 0xffffffff, length: 1 } }, "EINVAL"],
      [{ memRead: { gpfn: 999, offset: 0, length: 1 } }, "EINVAL"],
      [{ memRead: { gpfn: 0, offset: 0, length: 1 } }, "EINVAL"],
      [{ memWrite: { gpfn: 0xffffffff, offset: 0, data: le(1) } }, "EINVAL"],
      [{ decreaseReservation: { gpfns: [1, 1] } }, "EINVAL"],
      [{ decreaseReservation: { gpfns: [2, 500] } }, "EINVAL"],
      [{ memForget: { gpfns: [0] } }, "EINVAL"],
    ];
    const before = await ledger();
    for (const [call, code] of cases) expect((await g.call(call)).code, JSON.stringify(call)).toBe(code);
    expect(await ledger()).toEqual(before);
    expect((await ok(g.call({ memRead: { gpfn: 2, offset: 0, length: 1 } }))).status).toBe(0); // gpfn 2 survived
  });

  it("cmpxchg and add work on aligned 4/8-byte little-endian words and return the old value", async () => {
    const word = { gpfn: 3, offset: 8, width: 8 };
    expect(
      (await ok(g.call({ memAdd: { ...word, operand: le(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0) } }))).memAtomic
        ?.old,
    ).toEqual(new Uint8Array(8));
    const added = await ok(g.call({ memAdd: { ...word, operand: le(1, 0, 0, 0, 0, 0, 0, 0) } }));
    expect(added.memAtomic?.old).toEqual(le(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0));
    expect((await ok(g.call({ memRead: { gpfn: 3, offset: 8, length: 8 } }))).memRead?.data).toEqual(
      le(0, 0, 0, 0, 1, 0, 0, 0),
    );
    const miss = await ok(
      g.call({
        memCmpxchg: { ...word, operand: le(9, 0, 0, 0, 0, 0, 0, 0), desired: le(7, 7, 7, 7, 7, 7, 7, 7) },
      }),
    );
    expect(miss.memAtomic?.old).toEqual(le(0, 0, 0, 0, 1, 0, 0, 0));
    const hit = await ok(
      g.call({
        memCmpxchg: { ...word, operand: le(0, 0, 0, 0, 1, 0, 0, 0), desired: le(7, 7, 7, 7, 7, 7, 7, 7) },
      }),
    );
    expect(hit.memAtomic?.old).toEqual(le(0, 0, 0, 0, 1, 0, 0, 0));
    // 4-byte add wraps modulo 2^32.
    await ok(g.call({ memWrite: { gpfn: 3, offset: 0, data: le(0xff, 0xff, 0xff, 0xff) } }));
    await ok(g.call({ memAdd: { gpfn: 3, offset: 0, width: 4, operand: le(2, 0, 0, 0) } }));
    expect((await ok(g.call({ memRead: { gpfn: 3, offset: 0, length: 4 } }))).memRead?.data).toEqual(
      le(1, 0, 0, 0),
    );
    for (const bad of [
      { gpfn: 3, offset: 4, width: 8, operand: new Uint8Array(8) },
      { gpfn: 3, offset: 0, width: 2, operand: new Uint8Array(2) },
      { gpfn: 3, offset: 0, width: 4, operand: new Uint8Array(8) },
      { gpfn: 3, offset: 4096, width: 4, operand: new Uint8Array(4) },
    ]) {
      expect((await g.call({ memAdd: bad })).code).toBe("EINVAL");
    }
  });

  it("decrease_reservation frees frames and the gpfns are reused lowest first", async () => {
    const before = await host.api<MemoryView>("/api/memory");
    const done = await ok(g.call({ decreaseReservation: { gpfns: [2, 4] } }));
    expect(done.decreaseReservation?.nrDone).toBe(2);
    expect((await host.api<MemoryView>("/api/memory")).frames.used).toBe(before.frames.used - 2);
    expect(await populate(g, 3)).toEqual([2, 4, 5]);
  });

  it("max_mem (dom0) changes the reservation", async () => {
    const d = await host.guest("limited", 2);
    await populate(d, 2);
    expect((await d.call({ populatePhysmap: { nrExtents: 1 } })).code).toBe("ENOMEM");
    await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.max_mem, domain: d.domid, maxFrames: 3 } }));
    expect(await populate(d, 1)).toEqual([3]);
  });
});

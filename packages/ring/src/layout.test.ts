import { describe, expect, it } from "vitest";
import { ECHO_OP, echoTypes } from "../test/echo.js";
import { FrontRing } from "./front-ring.js";
import { rd32, ringPagesOfOrder, ringSize } from "./layout.js";
import { BufferPage, PageSpan } from "./page.js";
import { defineRingTypes } from "./ring-types.js";

describe("ringSize (__CONST_RING_SIZE over one 4 KiB page)", () => {
  it("gives the entry counts Xen's own rings have", () => {
    expect(ringSize(112)).toBe(32); // blkif: BLK_RING_SIZE is 32
    expect(ringSize(12)).toBe(256); // netif tx: NET_TX_RING_SIZE is 256
    expect(ringSize(8)).toBe(256); // netif rx: NET_RX_RING_SIZE is 256
    expect(ringSize(32)).toBe(64);
    expect(ringSize(1)).toBe(2048);
    expect(ringSize(4032)).toBe(1);
  });

  it("refuses entry sizes that cannot form a ring", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 4033, 1 << 20]) {
      expect(() => ringSize(bad)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    }
  });

  it("over 2^order pages gives __CONST_RING_SIZE(name, PAGE_SIZE << order)", () => {
    expect(ringSize(112, 2)).toBe(64); // blkif, ring-page-order 1
    expect(ringSize(112, 16)).toBe(512); // blkif, ring-page-order 4 (Linux's maximum)
    expect(ringSize(12, 4)).toBe(1024); // netif tx over 4 pages
    expect(ringSize(56, 16)).toBe(1024); // the echo device at order 4
    expect(ringSize(32, 16)).toBe(1024);
    expect(ringSize(8128, 2)).toBe(1); // one entry as large as two pages less the header
    expect([0, 1, 2, 3, 4].map(ringPagesOfOrder)).toEqual([1, 2, 4, 8, 16]);
  });

  it("refuses page counts and orders outside 1..16 pages", () => {
    for (const pages of [0, -1, 1.5, 17, Number.NaN]) {
      expect(() => ringSize(32, pages)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    }
    for (const order of [-1, 5, 0.5]) {
      expect(() => ringPagesOfOrder(order)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    }
    expect(() => ringSize(8129, 2)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("rounds down to a power of two like __RD32", () => {
    expect([0, 1, 2, 3, 4, 5, 1023, 1024, 1025, 0xffffffff].map(rd32)).toEqual([
      0, 1, 2, 2, 4, 4, 512, 1024, 1024, 0x80000000,
    ]);
  });
});

describe("the page a front ring lays out", () => {
  it("matches struct echo_sring byte for byte", () => {
    const page = new BufferPage(new Uint8Array(4096).fill(0xaa));
    const front = FrontRing.init(page, echoTypes);
    front.produceRequest({ id: 0x11223344, op: ECHO_OP.SUM, data: Uint8Array.of(1, 2, 3) });
    front.produceRequest({ id: 2, op: ECHO_OP.XOR, data: new Uint8Array(0) });
    front.produceRequest({ id: 0xfffffffe, op: ECHO_OP.SUM, data: new Uint8Array(24).fill(0x5c) });
    expect(front.pushRequests()).toBe(true);

    // Built by hand from ring.h: what SHARED_RING_INIT and three requests leave in the page.
    const expected = new Uint8Array(4096).fill(0xaa); // entries SHARED_RING_INIT leaves alone
    expected.set([3, 0, 0, 0], 0); // req_prod
    expected.set([1, 0, 0, 0], 4); // req_event
    expected.set([0, 0, 0, 0], 8); // rsp_prod
    expected.set([1, 0, 0, 0], 12); // rsp_event
    expected.fill(0, 16, 64); // pvt.pvt_pad[4], __pad[44]
    const entry = (i: number, bytes: number[]) => {
      expected.fill(0, 64 + 32 * i, 96 + 32 * i);
      expected.set(bytes, 64 + 32 * i); // ring[i]: id, op, len, data
    };
    entry(0, [0x44, 0x33, 0x22, 0x11, 1, 0, 3, 0, 1, 2, 3]);
    entry(1, [2, 0, 0, 0, 2, 0, 0, 0]);
    entry(2, [0xfe, 0xff, 0xff, 0xff, 1, 0, 24, 0, ...new Array(24).fill(0x5c)]);

    expect(Array.from(page.bytes)).toEqual(Array.from(expected));
  });
});

describe("a multi-page ring", () => {
  // A 56-byte entry (as the echo device's): entries straddle every page boundary but the first.
  const wide = {
    size: 56,
    encode(n: number, slot: Uint8Array) {
      for (let i = 0; i < 56; i++) slot[i] = (n + i) & 0xff;
    },
    decode: (slot: Uint8Array) => slot[0] ?? 0,
  };
  const types = defineRingTypes(wide, wide, 4);

  it("lays out over its pages exactly as over one contiguous buffer of the same size", () => {
    expect(types.nr_ents).toBe(256); // (16384 - 64) / 56 = 291, rounded down
    const contiguous = new BufferPage(new Uint8Array(4 * 4096).fill(0xaa));
    const pages = Array.from({ length: 4 }, () => new BufferPage(new Uint8Array(4096).fill(0xaa)));
    const span = new PageSpan(pages);
    const front = [FrontRing.init(contiguous, types), FrontRing.init(span, types)];
    for (const ring of front) {
      for (let n = 0; n < 200; n++) ring.produceRequest(n);
      ring.pushRequests();
    }
    const joined = new Uint8Array(4 * 4096);
    pages.forEach((page, i) => {
      joined.set(page.bytes, 4096 * i);
    });
    expect(Buffer.from(joined).equals(Buffer.from(contiguous.bytes))).toBe(true);
    // Entry 72 begins the second page; entry 145 is split 8 bytes / 48 bytes across the next.
    expect(pages[1]?.bytes[0]).toBe(72);
    expect(Array.from(pages[1]?.bytes.subarray(4088, 4096) ?? [])).toEqual([
      145, 146, 147, 148, 149, 150, 151, 152,
    ]);
    expect(pages[2]?.bytes[0]).toBe(153);
  });

  it("needs pages enough for its entries", () => {
    expect(() => FrontRing.init(new BufferPage(new Uint8Array(3 * 4096)), types)).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });
});

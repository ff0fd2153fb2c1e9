// The echo protocol's slots, byte for byte as its C header lays them out.
import { describe, expect, it } from "vitest";
import { echoRing, echoRingOfOrder } from "./protocol.js";

describe("echo ring protocol", () => {
  it("lays out struct echo_request and struct echo_response little-endian", () => {
    const slot = new Uint8Array(56);
    echoRing.request.encode({ id: 0xfedcba98, payload: Uint8Array.of(1, 2, 3) }, slot);
    expect(Array.from(slot.subarray(0, 10))).toEqual([0x98, 0xba, 0xdc, 0xfe, 3, 0, 1, 2, 3, 0]);
    expect(echoRing.request.decode(slot)).toEqual({ id: 0xfedcba98, payload: Uint8Array.of(1, 2, 3) });
    expect(echoRing.request.rawId?.(slot)).toBe(0xfedcba98);

    const rsp = new Uint8Array(56);
    echoRing.response.encode({ id: 7, status: -22, payload: Uint8Array.of(9) }, rsp);
    expect(Array.from(rsp.subarray(0, 9))).toEqual([7, 0, 0, 0, 0xea, 0xff, 1, 0, 9]);
    expect(echoRing.response.decode(rsp)).toEqual({ id: 7, status: -22, payload: Uint8Array.of(9) });
  });

  it("refuses a length over 48 bytes either way", () => {
    expect(() => echoRing.request.encode({ id: 1, payload: new Uint8Array(49) }, new Uint8Array(56))).toThrow(
      expect.objectContaining({ code: "EBADMSG" }),
    );
    const slot = new Uint8Array(56);
    slot[4] = 49;
    expect(() => echoRing.request.decode(slot)).toThrow(expect.objectContaining({ code: "EBADMSG" }));
  });

  it("has 64 slots on one page and 1,024 over 16 (ring-page-order 4)", () => {
    expect(echoRing.nr_ents).toBe(64);
    expect(echoRingOfOrder(0)).toBe(echoRing);
    expect([1, 2, 3, 4].map((order) => echoRingOfOrder(order).nr_ents)).toEqual([128, 256, 512, 1024]);
    expect(echoRingOfOrder(4).pages).toBe(16);
    expect(() => echoRingOfOrder(5)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

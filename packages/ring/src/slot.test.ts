// XSA-155: a backend validates and uses one private copy of each request, never the live slot,
// which the frontend may rewrite while the backend looks at it.
import { describe, expect, it } from "vitest";
import { ECHO_OP, type EchoRequest, echoRequest, echoTypes } from "../test/echo.js";
import { BackRing } from "./back-ring.js";
import { FrontRing } from "./front-ring.js";
import { SRING } from "./layout.js";
import { BufferPage } from "./page.js";
import { defineRingTypes } from "./ring-types.js";

/** A page that counts the reads of each entry. */
class CountingPage extends BufferPage {
  readonly entryReads = new Map<number, number>();
  override read(offset: number, length: number): Uint8Array {
    if (offset >= SRING.ring) this.entryReads.set(offset, (this.entryReads.get(offset) ?? 0) + 1);
    return super.read(offset, length);
  }
}

describe("copying a request out of the ring before using it", () => {
  it("reads each slot once, and what was validated is what is used", () => {
    const page = new CountingPage();
    let slotOffset = 0;
    // A decode that checks len, lets the frontend rewrite the slot, then reads the data: on the
    // live slot it would read 200 bytes it never checked.
    const racyRequest = {
      ...echoRequest,
      decode(slot: Uint8Array): EchoRequest {
        const checked = echoRequest.decode(slot);
        page.bytes.set([ECHO_OP.XOR, 0, 200, 0], slotOffset + 4);
        const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
        const len = view.getUint16(6, true);
        return {
          ...checked,
          op: view.getUint16(4, true) as EchoRequest["op"],
          data: slot.subarray(8, 8 + len),
        };
      },
    };
    const types = defineRingTypes(racyRequest, echoTypes.response);
    const front = FrontRing.init(page, types);
    const back = BackRing.attach(page, types);
    const sent = { id: 7, op: ECHO_OP.SUM, data: Uint8Array.of(1, 2, 3) };
    front.produceRequest(sent);
    front.pushRequests();
    slotOffset = back.sring.entryOffset(back.req_cons);

    expect(back.consumeRequest()).toEqual({ ok: true, value: sent });
    expect(page.entryReads.get(slotOffset)).toBe(1);
  });

  it("hands out values that no later write to the page can change", () => {
    const page = new BufferPage();
    const viewing = defineRingTypes(
      { ...echoRequest, decode: (slot) => ({ ...echoRequest.decode(slot), data: slot.subarray(8, 11) }) },
      echoTypes.response,
    );
    const front = FrontRing.init(page, viewing);
    const back = BackRing.attach(page, viewing);
    front.produceRequest({ id: 1, op: ECHO_OP.SUM, data: Uint8Array.of(4, 5, 6) });
    front.pushRequests();
    const got = back.consumeRequest();
    page.bytes.fill(0xee, SRING.ring);
    expect(got?.ok && Array.from(got.value.data)).toEqual([4, 5, 6]);
  });
});

describe("producing into a slot", () => {
  it("leaves the ring untouched when the value does not encode", () => {
    const page = new BufferPage();
    const front = FrontRing.init(page, echoTypes);
    const before = page.bytes.slice();
    expect(() => front.produceRequest({ id: 1, op: ECHO_OP.SUM, data: new Uint8Array(25) })).toThrow(
      RangeError,
    );
    expect(front.req_prod_pvt).toBe(0);
    expect(page.bytes).toEqual(before);
  });

  it("overwrites the whole entry, so nothing of an older entry stays visible", () => {
    const page = new BufferPage();
    const front = FrontRing.init(page, echoTypes);
    const back = BackRing.attach(page, echoTypes);
    front.produceRequest({ id: 1, op: ECHO_OP.SUM, data: new Uint8Array(24).fill(0x77) });
    front.pushRequests();
    back.consumeRequest();
    back.produceResponse({ id: 1, status: 0, value: 2 });
    const entry = page.bytes.subarray(SRING.ring, SRING.ring + echoTypes.entrySize);
    expect(Array.from(entry.subarray(echoTypes.response.size))).toEqual(new Array(20).fill(0));
  });
});

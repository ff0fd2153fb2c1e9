// A peer that breaks the protocol: its producer index runs outside the ring, or a slot it wrote
// does not decode. The first breaks the ring for good before anything is handed out; the second
// costs that one request only.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answer, ECHO_OP, type EchoRequest, EINVAL, echoTypes } from "../test/echo.js";
import { BackRing } from "./back-ring.js";
import { SlotError } from "./errors.js";
import { FrontRing } from "./front-ring.js";
import { BufferPage } from "./page.js";

const request = (id: number): EchoRequest => ({ id, op: ECHO_OP.SUM, data: Uint8Array.of(id, 1) });
const overflow = expect.objectContaining({ name: "RingError", code: "EOVERFLOW" });

function pair(start = 0) {
  const page = new BufferPage();
  FrontRing.init(page, echoTypes);
  const front = FrontRing.attach(page, echoTypes, start);
  front.sring.req_prod = front.sring.rsp_prod = start;
  return { page, front, back: BackRing.attach(page, echoTypes, start) };
}

describe("a frontend whose req_prod runs outside the ring", () => {
  it("is detected before any request is handed out, and the ring stays refused", () => {
    const { front, back } = pair();
    for (let id = 0; id < 2; id++) front.produceRequest(request(id));
    front.pushRequests();
    front.sring.req_prod = back.nr_ents + 1; // more requests than the ring holds

    expect(() => back.consumeRequest()).toThrow(overflow);
    front.sring.req_prod = 2; // putting it back does not mend a broken peer
    expect(() => back.consumeRequest()).toThrow(overflow);
    expect(() => back.unconsumedRequests()).toThrow(overflow);
    expect(() => back.finalCheckForRequests()).toThrow(overflow);
    expect(() => back.pushResponses()).toThrow(overflow);
    expect(back.req_cons).toBe(0);
    expect(back.broken?.message).toMatch(/broken frontend/);
  });

  it("hands out exactly the requests a well-behaved frontend could have made, from any state", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(0),
          fc.integer({ min: 0xffffff00, max: 0xffffffff }),
          fc.nat({ max: 0xffffffff }),
        ),
        fc.nat({ max: 64 }),
        fc.nat({ max: 64 }),
        fc.nat({ max: 64 }),
        fc.oneof(fc.integer({ min: -70, max: 140 }), fc.nat({ max: 0xffffffff })),
        (start, made, taken, answered, offset) => {
          const c = Math.min(taken, made); // consumed
          const a = Math.min(answered, c); // answered
          const { front, back } = pair(start);
          for (let id = 0; id < made; id++) front.produceRequest(request(id));
          front.pushRequests();
          for (let i = 0; i < c; i++) back.consumeRequest();
          for (let i = 0; i < a; i++) back.produceResponse(answer(request(i)));

          const req_prod = (start + offset) >>> 0;
          front.sring.req_prod = req_prod;
          // A frontend can have produced up to nr_ents past what was answered, and never
          // takes back what the backend already consumed.
          const k = (req_prod - start) >>> 0;
          if (k >= c && k <= a + back.nr_ents) {
            expect(back.unconsumedRequests()).toBe(k - c);
          } else {
            expect(() => back.consumeRequest()).toThrow(overflow);
            expect(back.req_cons).toBe((start + c) >>> 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("a backend whose rsp_prod runs past the requests made", () => {
  it("is detected before any response is handed out, and the ring stays refused", () => {
    for (const rsp_prod of [4, 100, 0xffffffff]) {
      const { front, back } = pair();
      for (let id = 0; id < 3; id++) front.produceRequest(request(id));
      front.pushRequests();
      for (let id = 0; id < 3; id++) back.consumeRequest();
      for (let id = 0; id < 3; id++) back.produceResponse(answer(request(id)));
      back.pushResponses();
      front.sring.rsp_prod = rsp_prod;

      expect(() => front.consumeResponse()).toThrow(overflow);
      front.sring.rsp_prod = 3;
      expect(() => front.consumeResponse()).toThrow(overflow);
      expect(() => front.finalCheckForResponses()).toThrow(overflow);
      expect(() => front.produceRequest(request(9))).toThrow(overflow);
      expect(front.rsp_cons).toBe(0);
      expect(front.broken?.message).toMatch(/broken backend/);
    }
  });

  it("accepts responses to every request made, up to req_prod_pvt", () => {
    const { front } = pair();
    for (let id = 0; id < 3; id++) front.produceRequest(request(id));
    front.sring.rsp_prod = 3;
    expect(front.unconsumedResponses()).toBe(3);
  });
});

describe("a request that does not decode", () => {
  it("is an error for that request only: it is answered and the ring carries on", () => {
    const { page, front, back } = pair(0xfffffffe);
    for (let id = 1; id <= 3; id++) front.produceRequest(request(id));
    page.bytes[front.sring.entryOffset(0xffffffff) + 4] = 99; // the second request's op
    front.pushRequests();

    const got = [back.consumeRequest(), back.consumeRequest(), back.consumeRequest()];
    expect(got[0]).toEqual({ ok: true, value: request(1) });
    expect(got[1]).toEqual({ ok: false, error: expect.any(SlotError), rawId: 2 });
    expect(got[1]?.ok === false && got[1].error).toMatchObject({ code: "EBADMSG", message: "unknown op 99" });
    expect(got[2]).toEqual({ ok: true, value: request(3) });
    for (const consumed of got) {
      if (consumed?.ok) back.produceResponse(answer(consumed.value));
      else if (consumed?.rawId !== undefined)
        back.produceResponse({ id: consumed.rawId, status: -EINVAL, value: 0 });
    }
    back.pushResponses();

    const statuses = [1, 2, 3].map(() => front.consumeResponse());
    expect(statuses.map((r) => r?.ok && [r.value.id, r.value.status])).toEqual([
      [1, 0],
      [2, -EINVAL],
      [3, 0],
    ]);
    front.produceRequest(request(4));
    front.pushRequests();
    expect(back.consumeRequest()).toEqual({ ok: true, value: request(4) });
  });

  it("wraps whatever the codec throws, and leaves out an id it cannot read", () => {
    const page = new BufferPage();
    const types = {
      ...echoTypes,
      request: {
        ...echoTypes.request,
        decode: () => {
          throw new TypeError("not a request");
        },
        rawId: () => {
          throw new RangeError("no id either");
        },
      },
    };
    const front = FrontRing.init(page, types);
    const back = BackRing.attach(page, types);
    front.produceRequest(request(1));
    front.pushRequests();
    const got = back.consumeRequest();
    expect(got).toEqual({ ok: false, error: expect.any(SlotError) });
    expect(got?.ok === false && got.error.cause).toBeInstanceOf(TypeError);
    expect(back.unconsumedRequests()).toBe(0);
  });
});

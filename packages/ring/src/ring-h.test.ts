// Cross-check against Xen's own io/ring.h: a C peer compiled from the installed header shares
// one page with the TypeScript rings, in both directions, across the u32 index wrap.
import { skipReason } from "@xenfs/testkit-skip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  answer,
  ECHO_DATA_MAX,
  ECHO_OP,
  type EchoRequest,
  type EchoResponse,
  echoTypes,
} from "../test/echo.js";
import { missingToolchain, RingPeer } from "../test/ring-peer.js";
import { BackRing } from "./back-ring.js";
import { FrontRing } from "./front-ring.js";
import { BufferPage, PageSpan } from "./page.js";
import { defineRingTypes } from "./ring-types.js";

const START = 0xfffffff0;
const missing = missingToolchain();

const TITLE = "the rings against Xen's io/ring.h";

describe.skipIf(skipReason(TITLE, missing))(TITLE, () => {
  let peer: RingPeer;
  beforeAll(() => {
    peer = new RingPeer();
  });
  afterAll(() => peer?.dispose());

  it("a TypeScript front ring and a C back ring exchange every request and response", () => {
    const page = new BufferPage();
    peer.turn(page, ["init", START]);
    const front = FrontRing.attach(page, echoTypes, START);
    expect(front.nr_ents).toBe(64);

    let id = 1;
    let frontAskedToBeWoken = true; // rsp_event = START + 1 from the initialisation
    for (const [round, batch] of [5, 3, 12, 7, 64, 1].entries()) {
      const sent: EchoRequest[] = [];
      for (let n = 0; n < batch; n++, id++) {
        const req: EchoRequest = {
          id,
          op: id % 3 ? ECHO_OP.SUM : ECHO_OP.XOR,
          data: Uint8Array.from({ length: id % (ECHO_DATA_MAX + 1) }, (_, i) => (id * 31 + i * 17) & 0xff),
        };
        front.produceRequest(req);
        sent.push(req);
      }
      if (batch === front.nr_ents) {
        expect(front.full()).toBe(true);
        expect(() => front.produceRequest(sent[0]!)).toThrow(expect.objectContaining({ code: "ENOSPC" }));
      }
      // The C back ring final-checked at the end of its previous turn, so it asked for this batch.
      expect(front.pushRequests()).toBe(true);

      const lines = peer.turn(page, ["back", front.rsp_cons]);
      expect(lines).toEqual([
        ...sent.map((r) => `req ${r.id} ${r.op} ${r.data.length}`),
        `notify ${frontAskedToBeWoken ? 1 : 0}`,
        `state ${front.req_prod_pvt} ${front.req_prod_pvt} ${(front.req_prod_pvt + 1) >>> 0}`,
      ]);

      for (const req of sent) expect(front.consumeResponse()).toEqual({ ok: true, value: answer(req) });
      expect(front.consumeResponse()).toBeUndefined();
      // Sleep before every other turn: only then does the C end's push say to notify.
      frontAskedToBeWoken = round % 2 === 0 && !front.finalCheckForResponses();
    }
    expect(front.rsp_cons).toBe((START + id - 1) >>> 0);
    expect(front.rsp_cons).toBeLessThan(START); // the indices wrapped
  });

  it("a C front ring and a TypeScript back ring exchange every request and response", () => {
    const page = new BufferPage();
    peer.turn(page, ["init", START]);
    const back = BackRing.attach(page, echoTypes, START);

    let id = 1;
    let answered: EchoResponse[] = [];
    for (const batch of [4, 9, 30, 64, 2, 0]) {
      const lines = peer.turn(page, ["front", (back.rsp_prod_pvt - answered.length) >>> 0, batch, id]);
      // The C front took the responses of the last turn, in order, then pushed a new batch that
      // this back ring asked for when it final-checked.
      expect(lines).toEqual([
        ...answered.map((r) => `rsp ${r.id} ${r.status} ${r.value}`),
        `notify ${batch > 0 ? 1 : 0}`,
        `state ${back.rsp_prod_pvt} ${(back.rsp_prod_pvt + batch) >>> 0} ${(back.rsp_prod_pvt + 1) >>> 0}`,
      ]);

      answered = [];
      expect(back.unconsumedRequests()).toBe(batch);
      for (let got = back.consumeRequest(); got; got = back.consumeRequest(), id++) {
        if (!got.ok) throw got.error;
        expect(got.value).toEqual(cRequest(id));
        const rsp = answer(got.value);
        back.produceResponse(rsp);
        answered.push(rsp);
      }
      // The C front final-checked before it produced, so it asked to hear of these responses.
      expect(back.pushResponses()).toBe(batch > 0);
      expect(back.finalCheckForRequests()).toBe(false);
    }
    expect(back.req_cons).toBeLessThan(START); // the indices wrapped
  });

  describe("a multi-page ring (ring-page-order 2: four pages, 256 entries)", () => {
    const PAGES = 4;
    const types = defineRingTypes(echoTypes.request, echoTypes.response, PAGES);
    /** One file's worth of contiguous bytes for the C peer, and the TypeScript end's four pages over it. */
    const spanOver = () => {
      const whole = new BufferPage(new Uint8Array(PAGES * 4096));
      const pages = Array.from(
        { length: PAGES },
        (_, i) => new BufferPage(whole.bytes.subarray(4096 * i, 4096 * (i + 1))),
      );
      return { whole, span: new PageSpan(pages) };
    };

    it("has the size ring.h gives it, and a TypeScript front feeds a C back across the wrap", () => {
      const { whole, span } = spanOver();
      expect(peer.turn(whole, ["init", START])).toEqual([`size ${types.nr_ents}`]);
      expect(types.nr_ents).toBe(256);
      const front = FrontRing.attach(span, types, START);
      let id = 1;
      let frontAskedToBeWoken = true;
      for (const [round, batch] of [100, 256, 7, 200, 130].entries()) {
        const sent: EchoRequest[] = [];
        for (let n = 0; n < batch; n++, id++) {
          const req: EchoRequest = {
            id,
            op: id % 3 ? ECHO_OP.SUM : ECHO_OP.XOR,
            data: Uint8Array.from({ length: id % (ECHO_DATA_MAX + 1) }, (_, i) => (id * 31 + i * 17) & 0xff),
          };
          front.produceRequest(req);
          sent.push(req);
        }
        expect(front.full()).toBe(batch === 256);
        expect(front.pushRequests()).toBe(true);
        expect(peer.turn(whole, ["back", front.rsp_cons])).toEqual([
          ...sent.map((r) => `req ${r.id} ${r.op} ${r.data.length}`),
          `notify ${frontAskedToBeWoken ? 1 : 0}`,
          `state ${front.req_prod_pvt} ${front.req_prod_pvt} ${(front.req_prod_pvt + 1) >>> 0}`,
        ]);
        for (const req of sent) expect(front.consumeResponse()).toEqual({ ok: true, value: answer(req) });
        expect(front.consumeResponse()).toBeUndefined();
        frontAskedToBeWoken = round % 2 === 0 && !front.finalCheckForResponses();
      }
      expect(front.rsp_cons).toBeLessThan(START);
    });

    it("a C front feeds a TypeScript back across the wrap", () => {
      const { whole, span } = spanOver();
      peer.turn(whole, ["init", START]);
      const back = BackRing.attach(span, types, START);
      let id = 1;
      let answered: EchoResponse[] = [];
      for (const batch of [90, 256, 5, 255, 0]) {
        const lines = peer.turn(whole, ["front", (back.rsp_prod_pvt - answered.length) >>> 0, batch, id]);
        expect(lines).toEqual([
          ...answered.map((r) => `rsp ${r.id} ${r.status} ${r.value}`),
          `notify ${batch > 0 ? 1 : 0}`,
          `state ${back.rsp_prod_pvt} ${(back.rsp_prod_pvt + batch) >>> 0} ${(back.rsp_prod_pvt + 1) >>> 0}`,
        ]);
        answered = [];
        expect(back.unconsumedRequests()).toBe(batch);
        for (let got = back.consumeRequest(); got; got = back.consumeRequest(), id++) {
          if (!got.ok) throw got.error;
          expect(got.value).toEqual(cRequest(id));
          const rsp = answer(got.value);
          back.produceResponse(rsp);
          answered.push(rsp);
        }
        expect(back.pushResponses()).toBe(batch > 0);
        expect(back.finalCheckForRequests()).toBe(false);
      }
      expect(back.req_cons).toBeLessThan(START);
    });
  });
});

/** The request ring_peer.c's front makes for `id`. */
function cRequest(id: number): EchoRequest {
  return {
    id,
    op: id % 2 ? ECHO_OP.XOR : ECHO_OP.SUM,
    data: Uint8Array.from({ length: id % (ECHO_DATA_MAX + 1) }, (_, i) => (id * 7 + i * 13) & 0xff),
  };
}

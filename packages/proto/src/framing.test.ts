import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireError } from "./errors.js";
import { decodeEnvelope, encodeEnvelope } from "./framing.js";

describe("envelope framing", () => {
  it("round-trips a hypercall, a multicall and an upcall batch", () => {
    const cases = [
      { seq: 7, call: { memWrite: { gpfn: 9, offset: 4092, data: new Uint8Array([1, 2, 3, 4]) } } },
      { seq: 8, multicall: { calls: [{ evtchnSend: { port: 3 } }, { evtchnUnmask: { port: 4 } }] } },
      { seq: 1, replyTo: 8, upcalls: { upcalls: [{ eventPending: { ports: [3, 5] } }] } },
    ];
    for (const envelope of cases) {
      const decoded = decodeEnvelope(encodeEnvelope(envelope));
      expect(decoded.toJSON()).toEqual(expect.objectContaining({ seq: envelope.seq }));
    }
    const decoded = decodeEnvelope(encodeEnvelope(cases[0]!));
    expect(decoded.call?.memWrite?.offset).toBe(4092);
    expect(Array.from(decoded.call?.memWrite?.data ?? [])).toEqual([1, 2, 3, 4]);
  });

  it("refuses an oversized frame before decoding it", () => {
    const big = new Uint8Array(2048);
    expect(() => decodeEnvelope(big, { maxFrameBytes: 1024, maxBatch: 8 })).toThrow(
      expect.objectContaining({ code: "EMSGSIZE" }),
    );
    expect(() =>
      encodeEnvelope(
        { seq: 1, call: { memWrite: { gpfn: 1, data: big } } },
        { maxFrameBytes: 1024, maxBatch: 8 },
      ),
    ).toThrow(WireError);
  });

  it("refuses a frame without a body, an empty multicall and an oversized batch", () => {
    expect(() => decodeEnvelope(encodeEnvelope({ seq: 1 }))).toThrow(
      expect.objectContaining({ code: "EPROTO" }),
    );
    expect(() => decodeEnvelope(encodeEnvelope({ seq: 1, multicall: { calls: [] } }))).toThrow(
      expect.objectContaining({ code: "EPROTO" }),
    );
    const calls = Array.from({ length: 9 }, () => ({ evtchnSend: { port: 1 } }));
    expect(() =>
      decodeEnvelope(encodeEnvelope({ seq: 1, multicall: { calls } }), {
        maxFrameBytes: 1 << 20,
        maxBatch: 8,
      }),
    ).toThrow(expect.objectContaining({ code: "EMSGSIZE" }));
  });

  it("truncated frames fail with EBADMSG or EPROTO, never another exception", () => {
    const whole = encodeEnvelope({
      seq: 300,
      call: { memWrite: { gpfn: 2, offset: 10, data: new Uint8Array(64) } },
    });
    for (let cut = 0; cut < whole.length; cut++) {
      try {
        decodeEnvelope(whole.subarray(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(WireError);
      }
    }
  });

  it("random bytes either decode to an envelope with a body or throw WireError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          expect(decodeEnvelope(bytes).body).toBeDefined();
        } catch (error) {
          expect(error).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WireError } from "../errors.js";
import { XENSTORE_PAYLOAD_MAX, XS } from "./xs_wire.js";
import {
  decodeXsdSockmsgHeader,
  encodeXsdSockmsg,
  type XsdSockmsg,
  XsdSockmsgDecoder,
} from "./xs_wire_sockmsg.js";

const msg = (req_id: number, text: string): XsdSockmsg => ({
  type: XS.READ,
  req_id,
  tx_id: 7,
  payload: new TextEncoder().encode(`${text}\0`),
});

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error instanceof WireError ? error.code : error;
  }
  return "accepted";
}

describe("xsd_sockmsg codec", () => {
  it("lays out the 16-byte little-endian header exactly as xs_wire.h", () => {
    const frame = encodeXsdSockmsg({
      type: XS.WRITE,
      req_id: 0x01020304,
      tx_id: 5,
      payload: new Uint8Array([9, 8]),
    });
    expect([...frame]).toEqual([11, 0, 0, 0, 4, 3, 2, 1, 5, 0, 0, 0, 2, 0, 0, 0, 9, 8]);
    expect(decodeXsdSockmsgHeader(frame)).toEqual({ type: XS.WRITE, req_id: 0x01020304, tx_id: 5, len: 2 });
  });

  it("refuses to encode a payload over XENSTORE_PAYLOAD_MAX or a field that is not a u32", () => {
    const big = { type: XS.WRITE, req_id: 1, tx_id: 0, payload: new Uint8Array(XENSTORE_PAYLOAD_MAX + 1) };
    expect(codeOf(() => encodeXsdSockmsg(big))).toBe("EMSGSIZE");
    expect(codeOf(() => encodeXsdSockmsg({ ...msg(1, "x"), req_id: -1 }))).toBe("EBADMSG");
    expect(codeOf(() => encodeXsdSockmsg({ ...msg(1, "x"), type: 2 ** 32 }))).toBe("EBADMSG");
  });

  it("reassembles frames fed one byte at a time", () => {
    const frame = encodeXsdSockmsg(msg(1, "/local/domain/1/name"));
    const decoder = new XsdSockmsgDecoder();
    const out = [...frame].flatMap((byte) => decoder.push(new Uint8Array([byte])));
    expect(out).toEqual([msg(1, "/local/domain/1/name")]);
  });

  it("splits coalesced frames and keeps the incomplete tail", () => {
    const a = encodeXsdSockmsg(msg(1, "a"));
    const b = encodeXsdSockmsg(msg(2, "bb"));
    const decoder = new XsdSockmsgDecoder();
    const joined = new Uint8Array([...a, ...b, ...b.subarray(0, 5)]);
    expect(decoder.push(joined)).toEqual([msg(1, "a"), msg(2, "bb")]);
    expect(decoder.push(b.subarray(5))).toEqual([msg(2, "bb")]);
  });

  it("rejects a header announcing more than XENSTORE_PAYLOAD_MAX, and stays failed", () => {
    const header = encodeXsdSockmsg(msg(1, "x")).slice(0, 16);
    new DataView(header.buffer).setUint32(12, XENSTORE_PAYLOAD_MAX + 1, true);
    const decoder = new XsdSockmsgDecoder();
    expect(codeOf(() => decoder.push(header))).toBe("EMSGSIZE");
    expect(codeOf(() => decoder.push(encodeXsdSockmsg(msg(2, "y"))))).toBe("EMSGSIZE");
    expect(codeOf(() => decodeXsdSockmsgHeader(header.subarray(0, 15)))).toBe("EBADMSG");
  });

  it("decodes any split of any message sequence back to the messages", () => {
    const message = fc.record({
      type: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      req_id: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      tx_id: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      payload: fc.uint8Array({ maxLength: 64 }),
    });
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (messages, cuts) => {
          const stream = new Uint8Array(messages.flatMap((m) => [...encodeXsdSockmsg(m)]));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          const decoder = new XsdSockmsgDecoder();
          const out: XsdSockmsg[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            out.push(...decoder.push(stream.subarray(from, to)));
            from = to;
          }
          expect(out).toEqual(messages);
        },
      ),
      { numRuns: 200 },
    );
  });
});

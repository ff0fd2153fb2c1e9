import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { XENSTORE_PAYLOAD_MAX } from "./xs_wire.js";
import { decodeXsString, decodeXsStrings, decodeXsText, encodeXsPayload } from "./xs_wire_payload.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Throws WireError with this code. */
const wireError = (code: string) => expect.objectContaining({ name: "WireError", code });

describe("xs_wire payloads", () => {
  it("terminates each string with NUL and leaves a WRITE's value unterminated", () => {
    expect(encodeXsPayload(["/a", "tok"])).toEqual(bytes("/a\0tok\0"));
    expect(encodeXsPayload(["/a"], "v")).toEqual(bytes("/a\0v"));
    expect(encodeXsPayload(["/a"], new Uint8Array([0, 255]))).toEqual(new Uint8Array([47, 97, 0, 0, 255]));
  });

  it("refuses a NUL inside a string (EBADMSG) and more than XENSTORE_PAYLOAD_MAX bytes (EMSGSIZE)", () => {
    expect(() => encodeXsPayload(["/a\0b"])).toThrow(wireError("EBADMSG"));
    expect(() => encodeXsPayload(["/a"], new Uint8Array(XENSTORE_PAYLOAD_MAX - 2))).toThrow(
      wireError("EMSGSIZE"),
    );
    expect(encodeXsPayload(["/a"], new Uint8Array(XENSTORE_PAYLOAD_MAX - 3))).toHaveLength(
      XENSTORE_PAYLOAD_MAX,
    );
  });

  it("reads the terminated strings as get_strings() does, at most `max`, and refuses what is not UTF-8", () => {
    expect(decodeXsStrings(bytes("a\0b\0tail"))).toEqual(["a", "b"]);
    expect(decodeXsStrings(bytes("a\0b\0c\0"), 2)).toEqual(["a", "b"]);
    expect(decodeXsStrings(new Uint8Array(0))).toEqual([]);
    expect(() => decodeXsStrings(new Uint8Array([0xc3, 0]))).toThrow(wireError("EBADMSG"));
    expect(decodeXsString(bytes("OK\0"))).toBe("OK");
    expect(decodeXsString(bytes("unterminated"))).toBe("unterminated");
    expect(decodeXsText(new Uint8Array([0x78, 0xff]))).toBe("x\ufffd");
  });

  it("round-trips any strings without NUL that fit", () => {
    const noNul = fc.string({ maxLength: 40 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(noNul, { maxLength: 20 }), (strings) => {
        expect(decodeXsStrings(encodeXsPayload(strings))).toEqual(strings);
      }),
    );
  });
});

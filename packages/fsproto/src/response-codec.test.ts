import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectProtocolError, OPS, responseOf } from "./arbitraries.fixture.js";
import { FSIF_SLOT_SIZE } from "./limits.js";
import { FSIF_REQ } from "./ops.js";
import { fsResponseCodec } from "./response-codec.js";
import type { FsResponse } from "./responses.js";

function encoded(response: FsResponse): Uint8Array {
  const bytes = new Uint8Array(FSIF_SLOT_SIZE);
  fsResponseCodec.encode(response, bytes);
  return bytes;
}

function edited(response: FsResponse, edit: (view: DataView) => void): Uint8Array {
  const bytes = encoded(response);
  edit(new DataView(bytes.buffer));
  return bytes;
}

const stat = {
  mode: 0o100644,
  nlink: 1,
  uid: 1000,
  gid: 1000,
  size: 12_345,
  ino: 99,
  dev: 2049,
  blocks: 32,
  rdev: 0,
  blksize: 4096,
  atimeNs: 1_700_000_000_123_456_789n,
  mtimeNs: 1_700_000_000_000_000_000n,
  ctimeNs: -1n,
  birthtimeNs: 0n,
};
const statRsp: FsResponse = { op: "stat", id: 3, ok: true, stat };
const enoent: FsResponse = { op: "open", id: 9, ok: false, code: "ENOENT" };

describe("fsResponseCodec round trips", () => {
  it.each(OPS)("%s: decode(encode(r)) equals r, ok or failed", (op) => {
    fc.assert(
      fc.property(responseOf(op), (response) => {
        expect(fsResponseCodec.decode(encoded(response))).toEqual(response);
      }),
      { numRuns: 200 },
    );
  });

  it("answers a request that did not decode with type 0 and no op", () => {
    const undecoded: FsResponse = { op: null, id: 12, ok: false, code: "EPROTO" };
    expect(encoded(undecoded)[2]).toBe(0);
    expect(fsResponseCodec.decode(encoded(undecoded))).toEqual(undecoded);
  });

  it("echoes the id and type, and puts -errno in the status", () => {
    const view = new DataView(encoded(enoent).buffer);
    expect(view.getUint16(0, true)).toBe(9);
    expect(view.getUint8(2)).toBe(FSIF_REQ.REQ_FILE_OPEN);
    expect(view.getInt32(4, true)).toBe(-2);
  });

  it("carries fd, attrGref and attrIndex in an open response", () => {
    const open: FsResponse = { op: "open", id: 4, ok: true, fd: 17, attrGref: 0xfeed, attrIndex: 63 };
    const view = new DataView(encoded(open).buffer);
    expect([view.getUint32(8, true), view.getUint32(12, true), view.getUint16(16, true)]).toEqual([
      17, 0xfeed, 63,
    ]);
    expect(fsResponseCodec.decode(encoded(open))).toEqual(open);
    expectProtocolError(() => encoded({ ...open, attrIndex: 64 }), "FSIF_OUT_OF_RANGE");
  });

  it("carries a whole stat record in the slot", () => {
    const view = new DataView(encoded(statRsp).buffer);
    expect(view.getUint32(8, true)).toBe(0o100644);
    expect(view.getBigInt64(8 + 64, true)).toBe(stat.atimeNs);
    expect(fsResponseCodec.decode(encoded(statRsp))).toEqual(statRsp);
  });

  it("keeps stat times past 2^53 ns to the nanosecond, which no double can", () => {
    const times = {
      atimeNs: 2n ** 53n + 1n,
      mtimeNs: 3_000_000_000_123_456_789n,
      ctimeNs: 2n ** 63n - 1n,
      birthtimeNs: -(2n ** 63n),
    };
    for (const ns of Object.values(times).slice(0, 2)) expect(BigInt(Number(ns))).not.toBe(ns);
    const late: FsResponse = { ...statRsp, stat: { ...stat, ...times } } as FsResponse;
    expect(fsResponseCodec.decode(encoded(late))).toEqual(late);
  });

  it("hands map_pages grefs, size and version back in order", () => {
    const map: FsResponse = {
      op: "map_pages",
      id: 1,
      ok: true,
      size: 10_000,
      version: 7,
      pages: { grefs: [5, 6, 7] },
    };
    expect(fsResponseCodec.decode(encoded(map))).toEqual(map);
  });
});

describe("fsResponseCodec refuses invalid slots", () => {
  it("with an unknown type or a pad byte set", () => {
    expectProtocolError(
      () => fsResponseCodec.decode(edited(enoent, (v) => v.setUint8(2, 99))),
      "FSIF_UNKNOWN_OP",
    );
    expectProtocolError(
      () => fsResponseCodec.decode(edited(enoent, (v) => v.setUint8(3, 1))),
      "FSIF_RESERVED",
    );
  });

  it("with success for an undecoded request", () => {
    const ok = edited({ op: "close", id: 1, ok: true }, (v) => v.setUint8(2, 0));
    expectProtocolError(() => fsResponseCodec.decode(ok), "FSIF_UNKNOWN_OP");
  });

  it("keeps the raw id readable when the slot does not decode", () => {
    const bad = edited(enoent, (v) => v.setUint8(3, 1));
    expect(fsResponseCodec.rawId?.(bad)).toBe(9);
    expect(fsResponseCodec.rawId?.(new Uint8Array(3))).toBeUndefined();
  });

  it.each([1, -3, -4096, 2 ** 31 - 1])("with status %i, which is neither 0 nor a known -errno", (status) => {
    expectProtocolError(
      () => fsResponseCodec.decode(edited(enoent, (v) => v.setInt32(4, status, true))),
      "FSIF_OUT_OF_RANGE",
    );
  });

  it("with results in the body of a failed response", () => {
    expectProtocolError(
      () => fsResponseCodec.decode(edited(enoent, (v) => v.setUint8(8, 3))),
      "FSIF_RESERVED",
    );
  });

  it("with lengths out of range: readdir past a page, readlink of 0 bytes", () => {
    const dir: FsResponse = { op: "readdir", id: 1, ok: true, length: 10, count: 1, more: false, cookie: 0 };
    const link: FsResponse = { op: "readlink", id: 1, ok: true, length: 5 };
    expectProtocolError(
      () => fsResponseCodec.decode(edited(dir, (v) => v.setUint16(8, 4097, true))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(
      () => fsResponseCodec.decode(edited(link, (v) => v.setUint16(8, 0, true))),
      "FSIF_OUT_OF_RANGE",
    );
  });

  it("with a stat size past 2^53 - 1", () => {
    expectProtocolError(
      () => fsResponseCodec.decode(edited(statRsp, (v) => v.setBigUint64(8 + 16, 2n ** 60n, true))),
      "FSIF_OUT_OF_RANGE",
    );
  });
});

describe("fsResponseCodec refuses values it cannot encode", () => {
  it("an errno name outside the table", () => {
    const bogus = { op: "open", id: 1, ok: false, code: "ESRCH" } as unknown as FsResponse;
    expectProtocolError(
      () => fsResponseCodec.encode(bogus, new Uint8Array(FSIF_SLOT_SIZE)),
      "FSIF_OUT_OF_RANGE",
    );
  });

  it("a time that does not fit in i64", () => {
    const late: FsResponse = { ...statRsp, stat: { ...stat, mtimeNs: 2n ** 63n } } as FsResponse;
    expectProtocolError(
      () => fsResponseCodec.encode(late, new Uint8Array(FSIF_SLOT_SIZE)),
      "FSIF_OUT_OF_RANGE",
    );
  });
});

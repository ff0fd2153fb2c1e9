import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectProtocolError, OPS, requestOf } from "./arbitraries.fixture.js";
import type { FsProtocolErrorCode } from "./errors.js";
import { FSIF_NR_GNTS, FSIF_SLOT_SIZE, PAGE_SIZE } from "./limits.js";
import { O } from "./open-flags.js";
import { FS_OPS, FSIF_REQ } from "./ops.js";
import { fsRequestCodec } from "./request-codec.js";
import type { FsRequest } from "./requests.js";

const slot = () => new Uint8Array(FSIF_SLOT_SIZE);

function encoded(request: FsRequest): Uint8Array {
  const bytes = slot();
  fsRequestCodec.encode(request, bytes);
  return bytes;
}

/** A valid slot, altered by `edit`, for the decode-failure cases. */
function edited(request: FsRequest, edit: (view: DataView) => void): Uint8Array {
  const bytes = encoded(request);
  edit(new DataView(bytes.buffer));
  return bytes;
}

const openReq: FsRequest = { op: "open", id: 7, path: { gref: 42, length: 9 }, flags: O.O_RDWR, mode: 0o644 };
const readReq: FsRequest = { op: "read", id: 1, fd: 3, len: 5000, offset: 8192, pages: { grefs: [10, 11] } };

describe("fsRequestCodec round trips", () => {
  it.each(OPS)("%s: decode(encode(r)) equals r", (op) => {
    fc.assert(
      fc.property(requestOf(op), (request) => {
        expect(fsRequestCodec.decode(encoded(request))).toEqual(request);
      }),
      { numRuns: 200 },
    );
  });

  it("lays out the fsif header and an open request as documented", () => {
    const view = new DataView(encoded(openReq).buffer);
    expect(view.getUint8(0)).toBe(FSIF_REQ.REQ_FILE_OPEN);
    expect(view.getUint16(2, true)).toBe(7);
    expect(view.getUint32(8, true)).toBe(42); // path.gref
    expect(view.getUint16(12, true)).toBe(9); // path.length
    expect(view.getUint32(16, true)).toBe(O.O_RDWR);
    expect(view.getUint32(20, true)).toBe(0o644);
  });

  it("carries the generation and the re-issue flag in the header's pad, and leaves them out when zero", () => {
    const again: FsRequest = { ...openReq, gen: 0xfedc_ba98, reissue: true };
    const view = new DataView(encoded(again).buffer);
    expect(view.getUint8(1)).toBe(1);
    expect(view.getUint32(4, true)).toBe(0xfedc_ba98);
    expect(fsRequestCodec.decode(encoded(again))).toEqual(again);
    expect(fsRequestCodec.decode(encoded({ ...openReq, gen: 0, reissue: false }))).toEqual(openReq);
  });

  it("carries fsif's request numbers and a distinct type per op", () => {
    expect(FS_OPS.open).toBe(1);
    expect(FS_OPS.sync).toBe(13);
    expect(new Set(Object.values(FS_OPS)).size).toBe(OPS.length);
  });

  it("overwrites whatever an earlier request left in the slot", () => {
    const bytes = slot().fill(0xff);
    fsRequestCodec.encode({ op: "close", id: 1, fd: 2 }, bytes);
    expect(fsRequestCodec.decode(bytes)).toEqual({ op: "close", id: 1, fd: 2 });
  });

  it("decodes from a view into a larger buffer, as a ring slot is", () => {
    const page = new Uint8Array(4096);
    const at = 64 + 3 * FSIF_SLOT_SIZE;
    fsRequestCodec.encode(readReq, page.subarray(at, at + FSIF_SLOT_SIZE));
    expect(fsRequestCodec.decode(page.subarray(at, at + FSIF_SLOT_SIZE))).toEqual(readReq);
  });
});

describe("fsRequestCodec refuses invalid slots", () => {
  it("of the wrong size", () => {
    expectProtocolError(() => fsRequestCodec.decode(new Uint8Array(FSIF_SLOT_SIZE - 1)), "FSIF_BAD_LENGTH");
    expectProtocolError(() => fsRequestCodec.decode(new Uint8Array(FSIF_SLOT_SIZE + 1)), "FSIF_BAD_LENGTH");
    expectProtocolError(() => fsRequestCodec.encode(openReq, new Uint8Array(64)), "FSIF_BAD_LENGTH");
  });

  it.each([0, 25, 255])("with unknown type %i", (type) => {
    expectProtocolError(
      () => fsRequestCodec.decode(edited(openReq, (v) => v.setUint8(0, type))),
      "FSIF_UNKNOWN_OP",
    );
  });

  it.each([0x02, 0x80])("with undefined header flag 0x%s set", (flag) => {
    expectProtocolError(
      () => fsRequestCodec.decode(edited(openReq, (v) => v.setUint8(1, flag))),
      "FSIF_RESERVED",
    );
  });

  it("with a gen that is not a u32", () => {
    for (const gen of [-1, 2 ** 32, 1.5]) {
      expectProtocolError(
        () => fsRequestCodec.encode({ ...openReq, gen }, new Uint8Array(FSIF_SLOT_SIZE)),
        "FSIF_OUT_OF_RANGE",
      );
    }
  });

  it("with a reserved body byte set: after the fields, inside a PageArg, at the slot's end", () => {
    const close: FsRequest = { op: "close", id: 1, fd: 1 };
    for (const [request, at] of [
      [close, 12],
      [openReq, 14],
      [close, FSIF_SLOT_SIZE - 1],
    ] as const) {
      expectProtocolError(
        () => fsRequestCodec.decode(edited(request, (v) => v.setUint8(at, 1))),
        "FSIF_RESERVED",
      );
    }
  });

  it("while keeping the raw id readable for the error response", () => {
    const bad = edited(openReq, (v) => v.setUint8(0, 200));
    expect(fsRequestCodec.rawId?.(bad)).toBe(7);
    expect(fsRequestCodec.rawId?.(new Uint8Array(FSIF_SLOT_SIZE - 1))).toBeUndefined();
  });

  it("with undefined open flags or access mode 3", () => {
    expectProtocolError(
      () => fsRequestCodec.decode(edited(openReq, (v) => v.setUint32(16, 0o4, true))),
      "FSIF_RESERVED",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(openReq, (v) => v.setUint32(16, 3, true))),
      "FSIF_RESERVED",
    );
  });

  it("with a mode past 0o7777, a bool that is not 0/1, a path length of 0 or 4096", () => {
    const create: FsRequest = {
      op: "create",
      id: 1,
      path: { gref: 1, length: 1 },
      mode: 0o755,
      directory: true,
    };
    expectProtocolError(
      () => fsRequestCodec.decode(edited(create, (v) => v.setUint32(16, 0o10000, true))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(create, (v) => v.setUint8(20, 2))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(create, (v) => v.setUint16(12, 0, true))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(create, (v) => v.setUint16(12, 4096, true))),
      "FSIF_OUT_OF_RANGE",
    );
  });

  it("with a u64 past 2^53 - 1", () => {
    expectProtocolError(
      () => fsRequestCodec.decode(edited(readReq, (v) => v.setBigUint64(16, 2n ** 53n, true))),
      "FSIF_OUT_OF_RANGE",
    );
  });

  it("with more inline grefs than fit, or a listed count of 0 or past a page", () => {
    const count =
      (n: number, flags = 0) =>
      (v: DataView) => {
        v.setUint16(24, n, true);
        v.setUint8(26, flags);
      };
    expectProtocolError(
      () => fsRequestCodec.decode(edited(readReq, count(FSIF_NR_GNTS + 1))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(() => fsRequestCodec.decode(edited(readReq, count(0, 1))), "FSIF_OUT_OF_RANGE");
    expectProtocolError(() => fsRequestCodec.decode(edited(readReq, count(1024, 1))), "FSIF_OUT_OF_RANGE");
    expectProtocolError(() => fsRequestCodec.decode(edited(readReq, count(2, 2))), "FSIF_RESERVED");
  });

  it("with a gref past the count, or a length the pages cannot hold", () => {
    expectProtocolError(
      () => fsRequestCodec.decode(edited(readReq, (v) => v.setUint32(36, 9, true))),
      "FSIF_RESERVED",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(readReq, (v) => v.setUint32(12, 2 * PAGE_SIZE + 1, true))),
      "FSIF_BAD_LENGTH",
    );
  });

  it("with map_pages asking for 0 pages, too many inline, or a list page it did not flag", () => {
    const map: FsRequest = {
      op: "map_pages",
      id: 1,
      fd: 1,
      first: 0,
      count: 4,
      indirect: false,
      listGref: 0,
    };
    expectProtocolError(
      () => fsRequestCodec.decode(edited(map, (v) => v.setUint32(12, 0, true))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(map, (v) => v.setUint32(12, 24, true))),
      "FSIF_OUT_OF_RANGE",
    );
    expectProtocolError(
      () => fsRequestCodec.decode(edited(map, (v) => v.setUint32(28, 5, true))),
      "FSIF_RESERVED",
    );
  });
});

describe("fsRequestCodec refuses values it cannot encode", () => {
  it.each<[string, FsRequest, FsProtocolErrorCode]>([
    ["an id past u16", { op: "close", id: 0x10000, fd: 1 }, "FSIF_OUT_OF_RANGE"],
    ["a negative fd", { op: "close", id: 1, fd: -1 }, "FSIF_OUT_OF_RANGE"],
    ["a fractional offset", { ...readReq, offset: 1.5 }, "FSIF_OUT_OF_RANGE"],
    ["a path of 0 bytes", { ...openReq, path: { gref: 1, length: 0 } }, "FSIF_OUT_OF_RANGE"],
    ["24 inline grefs", { ...readReq, len: 0, pages: { grefs: Array(24).fill(1) } }, "FSIF_OUT_OF_RANGE"],
    ["a gref past u32", { ...readReq, pages: { grefs: [1, 2 ** 32] } }, "FSIF_OUT_OF_RANGE"],
    ["an undefined open flag", { ...openReq, flags: 0o4 }, "FSIF_RESERVED"],
  ])("%s", (_, request, code) => {
    expectProtocolError(() => fsRequestCodec.encode(request, slot()), code);
  });

  it("a length its pages cannot hold, with the typed error", () => {
    expectProtocolError(
      () => fsRequestCodec.encode({ ...readReq, len: 3 * PAGE_SIZE }, slot()),
      "FSIF_BAD_LENGTH",
    );
  });

  it("an unknown op", () => {
    const bogus = { op: "mount", id: 1 } as unknown as FsRequest;
    expectProtocolError(() => fsRequestCodec.encode(bogus, slot()), "FSIF_UNKNOWN_OP");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectProtocolError } from "../arbitraries.fixture.js";
import { PAGE_SIZE } from "../limits.js";
import {
  ATTR,
  ATTR_RECORD_SIZE,
  ATTR_RECORDS_PER_PAGE,
  type AttrRecord,
  attrRecordCodec,
  attrRecordOffset,
} from "./attr-record.js";

const record: AttrRecord = {
  ino: 4242,
  size: 10_000,
  version: 7,
  mtimeNs: 1_700_000_000_123_456_789n,
  ctimeNs: -5n,
  mode: 0o100644,
  nlink: 1,
  flags: ATTR.ATTR_VALID | ATTR.ATTR_NAME_STALE,
  generation: 3,
};

const anyRecord = fc.record({
  ino: fc.maxSafeNat(),
  size: fc.maxSafeNat(),
  version: fc.maxSafeNat(),
  mtimeNs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  ctimeNs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  mode: fc.integer({ min: 0, max: 0xffffffff }),
  nlink: fc.integer({ min: 0, max: 0xffffffff }),
  flags: fc.integer({ min: 0, max: 3 }),
  generation: fc.integer({ min: 0, max: 0xffffffff }),
});

describe("attrRecordCodec", () => {
  it("lays a record out at the byte offsets docs/xenfs.md gives", () => {
    const bytes = attrRecordCodec.encode(record);
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(ATTR_RECORD_SIZE);
    expect(view.getBigUint64(0, true)).toBe(4242n);
    expect(view.getBigUint64(8, true)).toBe(10_000n);
    expect(view.getBigUint64(16, true)).toBe(7n);
    expect(view.getBigInt64(24, true)).toBe(record.mtimeNs);
    expect(view.getBigInt64(32, true)).toBe(-5n);
    expect(view.getUint32(40, true)).toBe(0o100644);
    expect(view.getUint32(44, true)).toBe(1);
    expect(view.getUint32(48, true)).toBe(3);
    expect(view.getUint32(52, true)).toBe(3);
    expect([...bytes.subarray(56)]).toEqual(new Array(8).fill(0));
  });

  it("keeps times past 2^53 ns to the nanosecond, which no double can", () => {
    const late = { ...record, mtimeNs: 3_000_000_000_123_456_789n, ctimeNs: 2n ** 53n + 1n };
    expect(BigInt(Number(late.mtimeNs))).not.toBe(late.mtimeNs);
    expect(attrRecordCodec.decode(attrRecordCodec.encode(late))).toEqual(late);
  });

  it("round-trips any record, and bytes that decode re-encode to themselves", () => {
    fc.assert(
      fc.property(anyRecord, (value) => {
        const bytes = attrRecordCodec.encode(value);
        expect(attrRecordCodec.decode(bytes)).toEqual(value);
        expect(attrRecordCodec.encode(attrRecordCodec.decode(bytes))).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it("decodes a record in place inside a whole attribute page", () => {
    const page = new Uint8Array(PAGE_SIZE);
    page.set(attrRecordCodec.encode(record), attrRecordOffset(ATTR_RECORDS_PER_PAGE - 1));
    const at = attrRecordOffset(ATTR_RECORDS_PER_PAGE - 1);
    expect(attrRecordCodec.decode(page.subarray(at, at + ATTR_RECORD_SIZE))).toEqual(record);
    expect(ATTR_RECORDS_PER_PAGE).toBe(64);
  });

  it("refuses undefined flag bits, set reserved bytes and a wrong length", () => {
    expectProtocolError(() => attrRecordCodec.encode({ ...record, flags: 4 }), "FSIF_RESERVED");
    const flagged = attrRecordCodec.encode(record);
    flagged[48] = 0x80;
    expectProtocolError(() => attrRecordCodec.decode(flagged), "FSIF_RESERVED");
    const reserved = attrRecordCodec.encode(record);
    reserved[60] = 1;
    expectProtocolError(() => attrRecordCodec.decode(reserved), "FSIF_RESERVED");
    expectProtocolError(() => attrRecordCodec.decode(new Uint8Array(63)), "FSIF_BAD_LENGTH");
  });

  it("refuses an index outside the page", () => {
    expect(attrRecordOffset(1)).toBe(64);
    expectProtocolError(() => attrRecordOffset(ATTR_RECORDS_PER_PAGE), "FSIF_OUT_OF_RANGE");
    expectProtocolError(() => attrRecordOffset(-1), "FSIF_OUT_OF_RANGE");
  });
});

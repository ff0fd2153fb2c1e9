// io/blkif.h's layout: the codecs' limits, then every size, offset, constant and encoded byte
// against a C program compiled from Debian's own header (as the ring is checked against ring.h).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ringSize } from "@xenfs/ring";
import { skipReason } from "@xenfs/testkit-skip";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP,
  BLKIF_REQUEST,
  BLKIF_REQUEST_DISCARD,
  BLKIF_REQUEST_INDIRECT,
  BLKIF_REQUEST_SEGMENT,
  BLKIF_RESPONSE,
  BLKIF_RSP,
  BLKIF_SEGS_PER_INDIRECT_FRAME,
  blkifIndirectPages,
  VDISK,
} from "./blkif.js";
import {
  type BlkifDiscardRequest,
  type BlkifIndirectRequest,
  type BlkifRequest,
  type BlkifResponse,
  type BlkifRwRequest,
  type BlkifSegment,
  blkifRequestCodec,
  blkifResponseCodec,
  decodeBlkifRequest,
  decodeIndirectSegments,
  encodeBlkifRequest,
  encodeIndirectSegments,
} from "./blkif-codec.js";

const HEADER = "/usr/include/xen/io/blkif.h";
const SOURCE = fileURLToPath(new URL("../../../test/c/blkif.c", import.meta.url));
const missing = spawnSync("cc", ["--version"]).error
  ? "no C compiler `cc` on PATH"
  : existsSync(HEADER)
    ? undefined
    : `no ${HEADER}`;

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const segment: fc.Arbitrary<BlkifSegment> = fc.record({
  gref: u32,
  first_sect: fc.integer({ min: 0, max: 7 }),
  last_sect: fc.integer({ min: 0, max: 7 }),
});
const rw: fc.Arbitrary<BlkifRwRequest> = fc.record({
  operation: fc.constantFrom(BLKIF_OP.READ, BLKIF_OP.WRITE, BLKIF_OP.WRITE_BARRIER, BLKIF_OP.FLUSH_DISKCACHE),
  handle: u16,
  id: u64,
  sector_number: u64,
  seg: fc.array(segment, { maxLength: BLKIF_MAX_SEGMENTS_PER_REQUEST }),
});
const discard: fc.Arbitrary<BlkifDiscardRequest> = fc.record({
  operation: fc.constant(BLKIF_OP.DISCARD),
  flag: fc.integer({ min: 0, max: 0xff }),
  handle: u16,
  id: u64,
  sector_number: u64,
  nr_sectors: u64,
});
const indirect: fc.Arbitrary<BlkifIndirectRequest> = fc
  .record({
    indirect_op: fc.constantFrom(BLKIF_OP.READ, BLKIF_OP.WRITE),
    nr_segments: fc.integer({
      min: 1,
      max: BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * BLKIF_SEGS_PER_INDIRECT_FRAME,
    }),
    handle: u16,
    id: u64,
    sector_number: u64,
    grefs: fc.array(u32, { minLength: 8, maxLength: 8 }),
  })
  .map(({ grefs, ...r }) => ({
    operation: BLKIF_OP.INDIRECT,
    ...r,
    indirect_grefs: grefs.slice(0, blkifIndirectPages(r.nr_segments)),
  }));
const request: fc.Arbitrary<BlkifRequest> = fc.oneof(rw, discard, indirect);
const response: fc.Arbitrary<BlkifResponse> = fc.record({
  id: u64,
  operation: fc.integer({ min: 0, max: 0xff }),
  status: fc.integer({ min: -0x8000, max: 0x7fff }),
});

function slotOf(req: BlkifRequest): Uint8Array {
  const slot = new Uint8Array(BLKIF_REQUEST.size);
  encodeBlkifRequest(req, slot);
  return slot;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("blkif codecs", () => {
  it("round-trip every request variant and response", () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(decodeBlkifRequest(slotOf(req))).toEqual(req);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(response, (rsp) => {
        const slot = new Uint8Array(BLKIF_RESPONSE.size);
        blkifResponseCodec.encode(rsp, slot);
        expect(blkifResponseCodec.decode(slot)).toEqual(rsp);
      }),
    );
  });

  it("reads an unknown operation as its id alone, to be answered EOPNOTSUPP", () => {
    const slot = slotOf({ operation: 9, id: 77n });
    expect(decodeBlkifRequest(slot)).toEqual({ operation: 9, id: 77n });
    expect(blkifRequestCodec.rawId(slot)).toBe(77);
  });

  it("refuses more segments than a request holds, in either direction", () => {
    const seg = Array.from({ length: 12 }, () => ({ gref: 1, first_sect: 0, last_sect: 7 }));
    const req: BlkifRwRequest = { operation: BLKIF_OP.READ, handle: 0, id: 1n, sector_number: 0n, seg };
    expect(() => slotOf(req)).toThrow(expect.objectContaining({ code: "E2BIG" }));
    const slot = slotOf({ ...req, seg: seg.slice(0, 11) });
    slot[BLKIF_REQUEST.nr_segments] = 12;
    expect(() => decodeBlkifRequest(slot)).toThrow(expect.objectContaining({ code: "E2BIG", operation: 0 }));
  });

  it("refuses an indirect request past 8 pages of segments, with no segments, or of another op", () => {
    const base: BlkifIndirectRequest = {
      operation: BLKIF_OP.INDIRECT,
      indirect_op: BLKIF_OP.WRITE,
      nr_segments: 4096,
      handle: 0,
      id: 3n,
      sector_number: 0n,
      indirect_grefs: [1, 2, 3, 4, 5, 6, 7, 8],
    };
    expect(decodeBlkifRequest(slotOf(base))).toEqual(base);
    const slot = slotOf(base);
    new DataView(slot.buffer).setUint16(BLKIF_REQUEST_INDIRECT.nr_segments, 4097, true);
    expect(() => decodeBlkifRequest(slot)).toThrow(expect.objectContaining({ code: "E2BIG", operation: 6 }));
    new DataView(slot.buffer).setUint16(BLKIF_REQUEST_INDIRECT.nr_segments, 0, true);
    expect(() => decodeBlkifRequest(slot)).toThrow(expect.objectContaining({ code: "E2BIG" }));
    slot.set([BLKIF_OP.FLUSH_DISKCACHE], BLKIF_REQUEST_INDIRECT.indirect_op);
    expect(() => decodeBlkifRequest(slot)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => slotOf({ ...base, nr_segments: 600 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("refuses fields outside their C types and a short buffer", () => {
    const ok: BlkifRwRequest = { operation: BLKIF_OP.WRITE, handle: 0, id: 1n, sector_number: 0n, seg: [] };
    expect(() => slotOf({ ...ok, handle: 0x10000 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => slotOf({ ...ok, id: -1n })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => slotOf({ ...ok, sector_number: 1n << 64n })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => slotOf({ ...ok, seg: [{ gref: 1, first_sect: 256, last_sect: 0 }] })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    const rsp = new Uint8Array(BLKIF_RESPONSE.size);
    expect(() => blkifResponseCodec.encode({ id: 1n, operation: 0, status: 0x8000 }, rsp)).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => decodeBlkifRequest(new Uint8Array(111))).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() =>
      encodeIndirectSegments(Array(513).fill({ gref: 0, first_sect: 0, last_sect: 0 }), new Uint8Array(8192)),
    ).toThrow(expect.objectContaining({ code: "E2BIG" }));
  });
});

const HEADER_LINES = [
  "sizes",
  "request",
  "segment",
  "discard",
  "indirect",
  "response",
  "constants",
  "ring",
] as const;
const TITLE = "blkif layout against Xen's io/blkif.h";

describe.skipIf(skipReason(TITLE, missing && `${missing} (apt-get install gcc libxen-dev)`))(TITLE, () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "blkif-h-"));
    bin = join(dir, "blkif");
    execFileSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", bin, SOURCE], { stdio: "pipe" });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The C program's header lines, then one line of hex per input line. */
  const run = (input: string[]) => {
    const out = execFileSync(bin, { input: input.map((l) => `${l}\n`).join(""), encoding: "utf8" });
    const lines = out.trim().split("\n");
    const header = Object.fromEntries(
      lines.slice(0, 8).map((l) => {
        const [name, ...rest] = l.split(" ");
        return [name as string, rest.map(Number)];
      }),
    ) as Record<(typeof HEADER_LINES)[number], number[]>;
    return { header, bytes: lines.slice(8) };
  };

  it("has the header's sizes, offsets, constants and ring sizes for 1 to 16 pages", () => {
    const { header } = run([]);
    const entry = Math.max(BLKIF_REQUEST.size, BLKIF_RESPONSE.size);
    expect(header.sizes).toEqual([
      BLKIF_REQUEST.size,
      BLKIF_REQUEST_SEGMENT.size,
      BLKIF_REQUEST_DISCARD.size,
      BLKIF_REQUEST_INDIRECT.size,
      BLKIF_RESPONSE.size,
      entry,
    ]);
    const R = BLKIF_REQUEST;
    expect(header.request).toEqual([R.operation, R.nr_segments, R.handle, R.id, R.sector_number, R.seg]);
    const S = BLKIF_REQUEST_SEGMENT;
    expect(header.segment).toEqual([S.gref, S.first_sect, S.last_sect]);
    const D = BLKIF_REQUEST_DISCARD;
    expect(header.discard).toEqual([D.operation, D.flag, D.handle, D.id, D.sector_number, D.nr_sectors]);
    const I = BLKIF_REQUEST_INDIRECT;
    expect(header.indirect).toEqual([
      I.operation,
      I.indirect_op,
      I.nr_segments,
      I.id,
      I.sector_number,
      I.handle,
      I.indirect_grefs,
    ]);
    const P = BLKIF_RESPONSE;
    expect(header.response).toEqual([P.id, P.operation, P.status]);
    expect(header.constants).toEqual([
      BLKIF_OP.READ,
      BLKIF_OP.WRITE,
      BLKIF_OP.WRITE_BARRIER,
      BLKIF_OP.FLUSH_DISKCACHE,
      BLKIF_OP.RESERVED_1,
      BLKIF_OP.DISCARD,
      BLKIF_OP.INDIRECT,
      BLKIF_MAX_SEGMENTS_PER_REQUEST,
      BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
      BLKIF_RSP.EOPNOTSUPP,
      BLKIF_RSP.ERROR,
      BLKIF_RSP.OKAY,
      VDISK.CDROM,
      VDISK.REMOVABLE,
      VDISK.READONLY,
    ]);
    // DEFINE_RING_TYPES(blkif, …): the entries start at 64, and @xenfs/ring sizes the ring alike.
    expect(header.ring).toEqual([64, ...[1, 2, 4, 8, 16].map((pages) => ringSize(entry, pages))]);
    expect(header.ring).toEqual([64, 32, 64, 128, 256, 512]);
  });

  it("encodes random requests to the C structs' bytes, and decodes the C bytes back", () => {
    const reqs = fc.sample(request, 200);
    const lines = reqs.map((req) => {
      if (req.operation === BLKIF_OP.DISCARD) {
        const d = req as BlkifDiscardRequest;
        return `dis ${d.flag} ${d.handle} ${d.id} ${d.sector_number} ${d.nr_sectors}`;
      }
      if (req.operation === BLKIF_OP.INDIRECT) {
        const r = req as BlkifIndirectRequest;
        const grefs = r.indirect_grefs.join(" ");
        return `ind ${r.indirect_op} ${r.nr_segments} ${r.handle} ${r.id} ${r.sector_number} ${r.indirect_grefs.length} ${grefs}`;
      }
      const r = req as BlkifRwRequest;
      const segs = r.seg.map((s) => `${s.gref} ${s.first_sect} ${s.last_sect}`).join(" ");
      return `rw ${r.operation} ${r.handle} ${r.id} ${r.sector_number} ${r.seg.length} ${segs}`;
    });
    const { bytes } = run(lines);
    expect(bytes).toHaveLength(reqs.length);
    reqs.forEach((req, i) => {
      expect(hex(slotOf(req))).toBe(bytes[i]);
      expect(decodeBlkifRequest(Buffer.from(bytes[i] as string, "hex"))).toEqual(req);
    });
  });

  it("encodes random responses and indirect segment pages to the C bytes", () => {
    const rsps = fc.sample(response, 100);
    const pages = fc.sample(
      fc.array(segment, { minLength: 1, maxLength: BLKIF_SEGS_PER_INDIRECT_FRAME }),
      10,
    );
    const { bytes } = run([
      ...rsps.map((r) => `rsp ${r.id} ${r.operation} ${r.status}`),
      ...pages.map(
        (segs) =>
          `seg ${segs.length} ${segs.map((s) => `${s.gref} ${s.first_sect} ${s.last_sect}`).join(" ")}`,
      ),
    ]);
    rsps.forEach((rsp, i) => {
      const slot = new Uint8Array(BLKIF_RESPONSE.size);
      blkifResponseCodec.encode(rsp, slot);
      expect(hex(slot)).toBe(bytes[i]);
    });
    pages.forEach((segs, i) => {
      const page = new Uint8Array(4096);
      encodeIndirectSegments(segs, page);
      const c = bytes[rsps.length + i] as string;
      expect(hex(page.subarray(0, segs.length * BLKIF_REQUEST_SEGMENT.size))).toBe(c);
      expect(decodeIndirectSegments(Buffer.from(c, "hex"), segs.length)).toEqual(segs);
    });
  });
});

// The migration stream codec: a round trip keeps every byte and field, however the bytes are
// cut into chunks; a malformed or truncated image is refused with its code, never half-read.
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { IHDR, REC_TYPE, REC_TYPE_OPTIONAL } from "./constants.js";
import { encodeRecord, StreamReader } from "./framing.js";
import {
  type DomainImage,
  ImageBuilder,
  imageEnd,
  imageStart,
  pageRecords,
  readImage,
  writeImage,
} from "./image.js";
import { CHANNEL_FLAG, encodePageData } from "./records.js";

function page(seed: number): Uint8Array {
  const bytes = new Uint8Array(XEN_PAGE_SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  return bytes;
}

const IMAGE: DomainImage = {
  domain: { name: "guest-ü", maxFrames: 2000, domid: 7, sessionKey: Uint8Array.of(1, 2, 3, 250) },
  grantTable: [3],
  pages: new Map([1, 2, 3, ...Array.from({ length: 1100 }, (_, i) => 10 + i)].map((pfn) => [pfn, page(pfn)])),
  channels: [
    { port: 1, state: "virq", virq: 3, flags: 0 },
    { port: 2, state: "interdomain", remoteDom: 0, remotePort: 9, flags: CHANNEL_FLAG.pending },
    { port: 5, state: "unbound", remoteDom: 0, flags: CHANNEL_FLAG.masked },
  ],
  xenstore: [
    ["name", "guest-ü"],
    ["control/shutdown", ""],
    ["device/vfs/0/state", "4"],
  ],
};

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

describe("the migration stream", () => {
  it("round-trips a domain: every page byte-identical, every field equal", () => {
    const bytes = concat(writeImage(IMAGE));
    expect(bytes.length % 8).toBe(0);
    const back = readImage([bytes]);
    expect(back.domain).toEqual(IMAGE.domain);
    expect(back.grantTable).toEqual([3]);
    expect(back.channels).toEqual(IMAGE.channels);
    expect(back.xenstore).toEqual(IMAGE.xenstore);
    expect(back.pages.size).toBe(IMAGE.pages.size);
    const differ = [...IMAGE.pages].filter(
      ([pfn, bytes]) => !Buffer.from(bytes).equals(back.pages.get(pfn)!),
    );
    expect(differ).toEqual([]);
  });

  it("reads the same image from chunks of any size", () => {
    const bytes = concat(writeImage({ ...IMAGE, pages: new Map([...IMAGE.pages].slice(0, 5)) }));
    for (const size of [1, 7, 8, 4099]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(readImage(chunks).pages.get(2)).toEqual(page(2));
    }
  });

  it("keeps the last copy of a page sent twice (pre-copy rounds) and drops pages marked XTAB", () => {
    const newer = new Map([[2, page(99)]]);
    const chunks = [
      ...imageStart(IMAGE.domain, IMAGE.grantTable),
      ...pageRecords(IMAGE.pages),
      ...pageRecords(newer, [10, 11]),
      ...imageEnd(IMAGE.channels, IMAGE.xenstore),
    ];
    const back = readImage(chunks);
    expect(back.pages.get(2)).toEqual(page(99));
    expect(back.pages.has(10)).toBe(false);
    expect(back.pages.size).toBe(IMAGE.pages.size - 2);
  });

  it("gives pages to a sink as they come, checked against the reservation first, keeping no bytes", () => {
    const got = new Map<number, Uint8Array>();
    const sink = {
      pages: (pfns: readonly number[], pages: readonly Uint8Array[]) => {
        for (const [i, pfn] of pfns.entries()) got.set(pfn, pages[i]!);
      },
      gone: (pfns: readonly number[]) => {
        for (const pfn of pfns) got.delete(pfn);
      },
    };
    const builder = new ImageBuilder(sink);
    const reader = new StreamReader();
    const chunks = [
      ...imageStart(IMAGE.domain, IMAGE.grantTable),
      ...pageRecords(IMAGE.pages),
      ...pageRecords(new Map([[2, page(99)]]), [10, 11]),
      ...imageEnd(IMAGE.channels, IMAGE.xenstore),
    ];
    for (const chunk of chunks) for (const record of reader.push(chunk)) builder.apply(record);
    reader.finish();
    const image = builder.result();
    expect(got.get(2)).toEqual(page(99));
    expect(got.has(10)).toBe(false);
    expect(got.size).toBe(IMAGE.pages.size - 2);
    expect([...image.pages.keys()].sort((a, b) => a - b)).toEqual([...got.keys()].sort((a, b) => a - b));
    expect([...image.pages.values()].every((bytes) => bytes.length === 0)).toBe(true);
    // A batch past the reservation is refused before the sink sees it.
    const small = new ImageBuilder(sink);
    got.clear();
    const over = new StreamReader();
    const records = [
      ...imageStart({ ...IMAGE.domain, maxFrames: 2 }, []),
      ...pageRecords(new Map([1, 2, 3].map((pfn) => [pfn, page(pfn)]))),
    ];
    expect(() => {
      for (const chunk of records) for (const record of over.push(chunk)) small.apply(record);
    }).toThrow(/reservation/);
    expect(got.size).toBe(0);
  });

  it("refuses an image cut short anywhere (ENODATA)", () => {
    const bytes = concat(writeImage({ ...IMAGE, pages: new Map([...IMAGE.pages].slice(0, 3)) }));
    for (const cut of [0, 5, IHDR.SIZE, IHDR.SIZE + 16, 100, bytes.length - 8, bytes.length - 1]) {
      expect(() => readImage([bytes.subarray(0, cut)])).toThrow(expect.objectContaining({ code: "ENODATA" }));
    }
  });

  it("refuses a foreign or malformed header with a clear code", () => {
    const bytes = concat(writeImage({ ...IMAGE, pages: new Map([...IMAGE.pages].slice(0, 3)) }));
    const broken = (at: number, value: number) => {
      const copy = bytes.slice();
      copy[at] = value;
      return () => readImage([copy]);
    };
    expect(broken(0, 0)).toThrow(
      expect.objectContaining({ code: "EINVAL", message: expect.stringMatching(/marker/) }),
    );
    expect(broken(8, 0)).toThrow(
      expect.objectContaining({ code: "EINVAL", message: expect.stringMatching(/XENF/) }),
    );
    expect(broken(15, 2)).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" })); // version 2
    expect(broken(17, 1)).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" })); // big-endian
    expect(broken(IHDR.SIZE, 1)).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" })); // x86 PV
    expect(broken(IHDR.SIZE + 4, 16)).toThrow(expect.objectContaining({ code: "EOPNOTSUPP" })); // page_shift
  });

  it("refuses oversized, unknown mandatory, out-of-order and inconsistent records", () => {
    const start = imageStart(IMAGE.domain, IMAGE.grantTable);
    const end = imageEnd([], []);
    const pages = pageRecords(new Map([[3, page(3)]]));
    const read =
      (...chunks: Uint8Array[]) =>
      () =>
        readImage(chunks);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, REC_TYPE.XENFS_XENSTORE, true);
    new DataView(huge.buffer).setUint32(4, 0xfffffff0, true);
    expect(read(...start, huge)).toThrow(expect.objectContaining({ code: "EMSGSIZE" }));
    expect(read(...start, ...pages, encodeRecord(0x13), ...end)).toThrow(
      expect.objectContaining({ code: "EOPNOTSUPP" }),
    );
    expect(
      read(...start, ...pages, encodeRecord(REC_TYPE_OPTIONAL | 5, Uint8Array.of(1)), ...end),
    ).not.toThrow();
    expect(read(start[0]!, start[1]!, ...pages, ...end)).toThrow(
      expect.objectContaining({ code: "EBADMSG" }),
    );
    expect(read(...start, ...end)).toThrow(
      expect.objectContaining({ code: "EBADMSG", message: expect.stringMatching(/grant-table frame 3/) }),
    );
    expect(read(...start, ...pages, ...end, Uint8Array.of(0))).toThrow(
      expect.objectContaining({ code: "EBADMSG" }),
    );
    const small = imageStart({ ...IMAGE.domain, maxFrames: 1 }, [3]);
    expect(
      read(
        ...small,
        ...pageRecords(
          new Map([
            [3, page(3)],
            [4, page(4)],
          ]),
        ),
        ...end,
      ),
    ).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("refuses PAGE_DATA with reserved bits, unknown page types or the wrong number of pages", () => {
    const start = imageStart(IMAGE.domain, []);
    const end = imageEnd([], []);
    const good = encodePageData({ pfns: [4], pages: [page(4)] });
    const with64 = (value: bigint) => {
      const body = good.slice();
      new DataView(body.buffer).setBigUint64(8, value, true);
      return () => readImage([...start, encodeRecord(REC_TYPE.PAGE_DATA, body), ...end]);
    };
    expect(with64(4n | (1n << 55n))).toThrow(expect.objectContaining({ code: "EBADMSG" }));
    expect(with64(4n | (1n << 60n))).toThrow(expect.objectContaining({ code: "EBADMSG" })); // L1TAB
    expect(with64(0n)).toThrow(expect.objectContaining({ code: "EINVAL" })); // pfn 0
    const short = good.subarray(0, good.length - 8);
    expect(() => readImage([...start, encodeRecord(REC_TYPE.PAGE_DATA, short), ...end])).toThrow(
      expect.objectContaining({ code: "EBADMSG" }),
    );
    expect(() => encodePageData({ pfns: [], pages: [] })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });
});

// The backup commits a checkpoint only whole: torn or malformed ones are discarded and the last
// committed image stays, byte for byte.
import {
  encodeEvtchn,
  encodeRecord,
  encodeXenstore,
  imageStart,
  pageRecords,
  REC_TYPE,
  StreamError,
} from "@xenfs/libxen/stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { CheckpointReceiver } from "./receiver.js";

const page = (byte: number) => new Uint8Array(XEN_PAGE_SIZE).fill(byte);
const domain = { name: "g", maxFrames: 16, domid: 3, sessionKey: new Uint8Array(32).fill(7) };
const state = (key = "v") => [
  encodeRecord(REC_TYPE.XENFS_EVTCHN, encodeEvtchn([])),
  encodeRecord(REC_TYPE.XENFS_XENSTORE, encodeXenstore([["data/k", key]])),
];
const checkpoint = encodeRecord(REC_TYPE.CHECKPOINT);

function first(): Uint8Array[] {
  return [
    ...imageStart(domain, [1]),
    ...pageRecords(
      new Map([
        [1, page(1)],
        [2, page(2)],
        [3, page(3)],
      ]),
    ),
    ...state("one"),
    checkpoint,
  ];
}

function later(pages: Map<number, Uint8Array>, gone: number[] = [], key = "two"): Uint8Array[] {
  return [...pageRecords(pages, gone), ...state(key), checkpoint];
}

function committed(receiver: CheckpointReceiver) {
  const image = receiver.image!;
  return {
    epoch: receiver.epoch,
    pages: [...image.pages].map(([pfn, bytes]) => [pfn, bytes[0], bytes.every((b) => b === bytes[0])]),
    xenstore: image.xenstore,
  };
}

describe("CheckpointReceiver", () => {
  it("commits the first checkpoint whole, then applies each later one's dirty pages and XTABs", () => {
    const r = new CheckpointReceiver();
    expect(r.commit(first())).toBe(1);
    expect(r.commit(later(new Map([[2, page(22)]]), [3]))).toBe(2);
    expect(committed(r)).toEqual({
      epoch: 2,
      pages: [
        [1, 1, true],
        [2, 22, true],
      ],
      xenstore: [["data/k", "two"]],
    });
    expect(r.image?.domain.name).toBe("g");
  });

  it.each([
    [
      "cut inside a record",
      (c: Uint8Array[]) => [Buffer.concat(c).subarray(0, Buffer.concat(c).length - 20)],
    ],
    ["cut before CHECKPOINT", (c: Uint8Array[]) => c.slice(0, -1)],
    ["with the state records missing", (c: Uint8Array[]) => [c[0]!, checkpoint]],
    ["with a record after CHECKPOINT", (c: Uint8Array[]) => [...c, c[0]!]],
    ["with END inside it", (c: Uint8Array[]) => [...c.slice(0, -1), encodeRecord(REC_TYPE.END)]],
    ["with a static record again", (c: Uint8Array[]) => [encodeRecord(REC_TYPE.STATIC_DATA_END), ...c]],
    ["with an unknown mandatory record", (c: Uint8Array[]) => [encodeRecord(0x1234), ...c]],
    [
      "with garbage for a PAGE_DATA body",
      (c: Uint8Array[]) => [encodeRecord(REC_TYPE.PAGE_DATA, Uint8Array.of(9, 9, 9)), ...c],
    ],
  ])("discards a checkpoint %s and keeps the last committed one", (_, spoil) => {
    const r = new CheckpointReceiver();
    r.commit(first());
    r.commit(later(new Map([[2, page(22)]])));
    const before = committed(r);
    const torn = spoil(later(new Map([[1, page(99)]]), [2], "three"));
    expect(() => r.commit(torn)).toThrow(StreamError);
    expect(committed(r)).toEqual(before);
    // The next whole checkpoint still applies (on top of the last committed, not the torn one).
    expect(r.commit(later(new Map([[3, page(33)]]), [], "four"))).toBe(3);
    expect(committed(r).pages).toEqual([
      [1, 1, true],
      [2, 22, true],
      [3, 33, true],
    ]);
  });

  it("refuses a first checkpoint without the image's start, or pages beyond the reservation", () => {
    expect(() => new CheckpointReceiver().commit(later(new Map([[1, page(1)]])))).toThrow(StreamError);
    const r = new CheckpointReceiver();
    r.commit(first());
    const many = new Map(Array.from({ length: 16 }, (_, i) => [100 + i, page(i)] as [number, Uint8Array]));
    expect(() => r.commit(later(many))).toThrow(/reservation/);
    expect(r.epoch).toBe(1);
    expect(r.image?.pages.size).toBe(3);
  });
});

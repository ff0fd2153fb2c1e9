import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameCache } from "./frame-cache.js";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("FrameCopy", () => {
  it("shows an own write at once, keeps it over a peer's older update, and commits it on reply", () => {
    const copy = new FrameCache().track(1);
    copy.load(new Uint8Array(4096));
    const write = copy.beginWrite(0, bytes(1, 1, 1, 1));
    expect(copy.read(0, 4)).toEqual(bytes(1, 1, 1, 1));
    // A peer's write the hypervisor ordered before ours: ours stays on top.
    copy.applyUpdate(2, bytes(9, 9, 9, 9));
    expect(copy.read(0, 6)).toEqual(bytes(1, 1, 1, 1, 9, 9));
    copy.commitWrite(write);
    // A peer's write ordered after ours wins.
    copy.applyUpdate(0, bytes(7));
    expect(copy.read(0, 6)).toEqual(bytes(7, 1, 1, 1, 9, 9));
  });

  it("reads a u32 as read() sees its bytes, with and without own writes pending", () => {
    const copy = new FrameCache().track(1);
    copy.load(new Uint8Array(4096));
    copy.applyUpdate(8, bytes(0x04, 0x03, 0x02, 0x81));
    expect(copy.readU32(8)).toBe(0x81020304);
    const write = copy.beginWrite(9, bytes(0xff, 0xee)); // overlaps the middle two bytes
    expect(copy.readU32(8)).toBe(0x81eeff04);
    copy.commitWrite(write);
    expect(copy.readU32(8)).toBe(0x81eeff04);
    expect(() => copy.readU32(4093)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    copy.invalidate();
    expect(() => copy.readU32(0)).toThrow(expect.objectContaining({ code: "EFAULT" }));
  });

  it("readInto copies what read() gives into the caller's buffer, own pending writes included", () => {
    const copy = new FrameCache().track(1);
    copy.load(new Uint8Array(4096).fill(3));
    copy.beginWrite(4094, bytes(8, 9));
    const target = new Uint8Array(8).fill(0xaa);
    copy.readInto(4092, 4, target, 2);
    expect(target).toEqual(bytes(0xaa, 0xaa, 3, 3, 8, 9, 0xaa, 0xaa));
    expect(target.subarray(2, 6)).toEqual(copy.read(4092, 4));
    copy.invalidate();
    expect(() => copy.readInto(0, 1, target, 0)).toThrow(expect.objectContaining({ code: "EFAULT" }));
  });

  it("drops a refused write from the overlay", () => {
    const copy = new FrameCache().track(1);
    copy.load(new Uint8Array(4096).fill(5));
    const write = copy.beginWrite(10, bytes(1, 2));
    copy.discardWrite(write);
    expect(copy.read(10, 2)).toEqual(bytes(5, 5));
  });

  it("ignores updates that arrive before its fetched contents (they are in them)", () => {
    const cache = new FrameCache();
    const copy = cache.track(3);
    cache.applyUpdate(3, 0, bytes(1));
    copy.load(new Uint8Array(4096).fill(2));
    expect(copy.read(0, 1)).toEqual(bytes(2));
    cache.applyUpdate(3, 0, bytes(3));
    expect(copy.read(0, 1)).toEqual(bytes(3));
  });

  it("tells listeners about peers' updates only", () => {
    const copy = new FrameCache().track(1);
    copy.load(new Uint8Array(4096));
    const seen: [number, number][] = [];
    copy.onUpdate((offset, length) => seen.push([offset, length]));
    copy.commitWrite(copy.beginWrite(0, bytes(1)));
    copy.applyUpdate(100, bytes(1, 2, 3));
    expect(seen).toEqual([[100, 3]]);
  });

  it("faults on reads once dropped, and refuses reads past the frame", () => {
    const cache = new FrameCache();
    const copy = cache.track(4);
    copy.load(new Uint8Array(4096));
    expect(() => copy.read(4090, 7)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    cache.drop(4);
    expect(copy.valid).toBe(false);
    expect(() => copy.read(0, 1)).toThrow(expect.objectContaining({ code: "EFAULT" }));
    expect(cache.get(4)).toBeUndefined();
  });
});

// A model of the hypervisor: one frame, processed in one order; the domain's own writes are
// answered (reply) and other domains' writes are forwarded (update) on one ordered queue.
type Step =
  | { kind: "own"; offset: number; data: Uint8Array }
  | { kind: "peer"; offset: number; data: Uint8Array }
  | { kind: "serve" }
  | { kind: "deliver" };

const write = fc
  .integer({ min: 0, max: 63 })
  .chain((offset) =>
    fc.record({ offset: fc.constant(offset), data: fc.uint8Array({ minLength: 1, maxLength: 64 - offset }) }),
  );
const step: fc.Arbitrary<Step> = fc.oneof(
  write.map((w) => ({ kind: "own" as const, ...w })),
  write.map((w) => ({ kind: "peer" as const, ...w })),
  fc.constant({ kind: "serve" as const }),
  fc.constant({ kind: "deliver" as const }),
);

describe("coherence against a model hypervisor", () => {
  it("reads its own writes at once and equals the hypervisor's frame once quiet", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.array(step, { maxLength: 60 }),
        (initial, steps) => {
          const frame = new Uint8Array(4096);
          frame.set(initial);
          const copy = new FrameCache().track(1);
          copy.load(frame.slice());
          const inbound: { offset: number; data: Uint8Array; pending: ReturnType<typeof copy.beginWrite> }[] =
            [];
          const outbound: (() => void)[] = [];
          const serve = () => {
            const own = inbound.shift();
            if (!own) return;
            frame.set(own.data, own.offset);
            outbound.push(() => copy.commitWrite(own.pending));
          };
          for (const s of steps) {
            if (s.kind === "own") {
              inbound.push({ ...s, pending: copy.beginWrite(s.offset, s.data) });
              expect(copy.read(s.offset, s.data.length)).toEqual(s.data);
            } else if (s.kind === "peer") {
              frame.set(s.data, s.offset);
              outbound.push(() => copy.applyUpdate(s.offset, s.data));
            } else if (s.kind === "serve") serve();
            else outbound.shift()?.();
          }
          while (inbound.length > 0) serve();
          for (const deliver of outbound) deliver();
          // Writes stay in the first 64 bytes; the rest is compared wholesale (fast).
          expect(copy.read(0, 64)).toEqual(frame.subarray(0, 64));
          expect(Buffer.from(copy.read(0, 4096)).equals(frame)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

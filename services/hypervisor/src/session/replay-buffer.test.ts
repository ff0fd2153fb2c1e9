import { describe, expect, it } from "vitest";
import { TokenBucket } from "./limits.js";
import { ReplayBuffer } from "./replay-buffer.js";

const frame = (n: number) => new Uint8Array([n]);

describe("ReplayBuffer", () => {
  it("replays every frame after a seq, and refuses once frames it would need were trimmed or evicted", () => {
    const buffer = new ReplayBuffer({ maxFrames: 3, maxBytes: 1024 });
    for (let seq = 1; seq <= 4; seq++) buffer.push(seq, frame(seq));
    expect(buffer.after(2)).toEqual([frame(3), frame(4)]);
    expect(buffer.after(1)).toEqual([frame(2), frame(3), frame(4)]);
    expect(buffer.after(0)).toBeUndefined(); // frame 1 was evicted by the count bound
    buffer.ack(3);
    expect(buffer.after(3)).toEqual([frame(4)]);
    expect(buffer.after(2)).toBeUndefined();
  });

  it("is bounded by bytes too", () => {
    const buffer = new ReplayBuffer({ maxFrames: 100, maxBytes: 10 });
    buffer.push(1, new Uint8Array(6));
    buffer.push(2, new Uint8Array(6));
    expect(buffer.after(1)).toHaveLength(1);
    expect(buffer.after(0)).toBeUndefined();
  });
});

describe("TokenBucket", () => {
  it("allows the burst, then refills at the rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

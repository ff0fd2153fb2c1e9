import { DEFAULT_WIRE_LIMITS, encodeEnvelope, GNTST } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { XenError } from "./errors.js";
import { type Batch, MulticallBatcher } from "./multicall.js";

/** A batcher whose frames are collected instead of sent. */
function collecting(limits = DEFAULT_WIRE_LIMITS) {
  const frames: Batch[] = [];
  const batcher = new MulticallBatcher((batch) => frames.push(batch), limits);
  return { frames, batcher };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("multicall batching", () => {
  it("sends every call issued in one tick as one multicall, in issue order", async () => {
    const { frames, batcher } = collecting();
    for (let port = 1; port <= 5; port++) void batcher.submit({ evtchnSend: { port } });
    await tick();
    expect(frames).toHaveLength(1);
    const body = frames[0]!.body();
    expect("multicall" in body && body.multicall.calls.map((c) => c.evtchnSend?.port)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it("sends a lone call as a plain call, and calls of the next tick in the next frame", async () => {
    const { frames, batcher } = collecting();
    void batcher.submit({ evtchnSend: { port: 1 } });
    await tick();
    void batcher.submit({ evtchnSend: { port: 2 } });
    void batcher.submit({ evtchnSend: { port: 3 } });
    await tick();
    expect(frames.map((f) => Object.keys(f.body())[0])).toEqual(["call", "multicall"]);
  });

  it("splits at maxBatch calls and at the frame size, keeping order", async () => {
    const limits = { maxBatch: 3, maxFrameBytes: 2 * 4096 + 200 };
    const { frames, batcher } = collecting(limits);
    for (let port = 1; port <= 7; port++) void batcher.submit({ evtchnSend: { port } });
    const page = new Uint8Array(4096);
    for (let gpfn = 1; gpfn <= 3; gpfn++) void batcher.submit({ memWrite: { gpfn, offset: 0, data: page } });
    await tick();
    const sizes = frames.map((f) => f.calls.length);
    // Port 7 and two page writes fill the third frame; the third write does not fit beside them.
    expect(sizes).toEqual([3, 3, 3, 1]);
    frames.forEach((f, seq) => {
      expect(encodeEnvelope({ seq: 0xffffffff - seq, ...f.body() }).length).toBeLessThanOrEqual(
        limits.maxFrameBytes,
      );
    });
    const order = frames.flatMap((f) =>
      f.calls.map((c) => c.call.evtchnSend?.port ?? 100 + (c.call.memWrite?.gpfn ?? 0)),
    );
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 101, 102, 103]);
  });

  it("refuses a call that can never fit in a frame, and queues nothing", async () => {
    const { frames, batcher } = collecting({ maxBatch: 8, maxFrameBytes: 1024 });
    expect(() => batcher.submit({ memWrite: { gpfn: 1, data: new Uint8Array(2048) } })).toThrow(
      expect.objectContaining({ code: "EMSGSIZE" }),
    );
    await tick();
    expect(frames).toHaveLength(0);
  });

  it("gives each caller its own reply: one failed entry rejects only its caller", async () => {
    const { frames, batcher } = collecting();
    const first = batcher.submit({ evtchnSend: { port: 1 } });
    const second = batcher.submit({ gnttabMapGrantRef: { dom: 1, ref: 9999, flags: 2 } });
    const third = batcher.submit({ evtchnAllocUnbound: { dom: 0x7ff0, remoteDom: 1 } });
    await tick();
    frames[0]!.settle({
      multicallReply: {
        results: [
          { status: 0 },
          { status: GNTST.bad_gntref, code: "GNTST_bad_gntref", message: "ref past the table" },
          { status: 0, evtchnPort: { port: 5 } },
        ],
      },
    });
    await expect(first).resolves.toEqual({ status: 0 });
    await expect(second).rejects.toMatchObject({
      name: "XenError",
      code: "GNTST_bad_gntref",
      status: GNTST.bad_gntref,
      op: "gnttabMapGrantRef",
    });
    await expect(third).resolves.toMatchObject({ evtchnPort: { port: 5 } });
  });

  it("fails every call of a frame the hypervisor refused as a whole, or answered with the wrong count", async () => {
    const { frames, batcher } = collecting();
    const calls = [batcher.submit({ evtchnSend: { port: 1 } }), batcher.submit({ evtchnSend: { port: 2 } })];
    await tick();
    frames[0]!.settle({ reply: { status: -22, code: "EINVAL", message: "stale seq" } });
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: "EINVAL", status: -22 });
    expect(frames).toHaveLength(1);
    const again = [batcher.submit({ evtchnSend: { port: 4 } }), batcher.submit({ evtchnSend: { port: 5 } })];
    await tick();
    frames[1]!.settle({ multicallReply: { results: [{ status: 0 }] } });
    for (const call of again) await expect(call).rejects.toBeInstanceOf(XenError);
  });

  it("runs a call's reply hook synchronously, before the next reply is handled", async () => {
    const { frames, batcher } = collecting();
    const seen: string[] = [];
    void batcher.submit({ evtchnSend: { port: 1 } }, { onReply: () => seen.push("hook 1") });
    await tick();
    void batcher.submit({ evtchnSend: { port: 2 } }, { onReply: () => seen.push("hook 2") });
    await tick();
    frames[0]!.settle({ reply: { status: 0 } });
    seen.push("between");
    frames[1]!.settle({ reply: { status: 0 } });
    expect(seen).toEqual(["hook 1", "between", "hook 2"]);
  });
});

describe("a batch's frame", () => {
  it("is byte for byte the Envelope protobufjs encodes, for a call and for multicalls", async () => {
    const { frames, batcher } = collecting();
    void batcher.submit({ evtchnSend: { port: 7 } });
    await tick();
    for (let n = 0; n < 40; n++)
      void batcher.submit({ memWrite: { gpfn: n, offset: n * 3, data: new Uint8Array(n * 7).fill(n) } });
    void batcher.submit({ gnttabMapGrantRef: { dom: 1, ref: 9999, flags: 2 } });
    void batcher.submit({ xs: { type: 2, txId: 0, payload: new TextEncoder().encode("/local/domain/0\0") } });
    await tick();
    for (const frame of frames) {
      for (const seq of [1, 127, 128, 300_000, 0xffffffff]) {
        const ours = Buffer.from(frame.encode(seq, DEFAULT_WIRE_LIMITS));
        expect(ours.equals(Buffer.from(encodeEnvelope({ seq, ...frame.body() })))).toBe(true);
      }
    }
    expect(() => frames[1]!.encode(1, { maxBatch: 64, maxFrameBytes: 100 })).toThrow(
      expect.objectContaining({ code: "EMSGSIZE" }),
    );
  });
});

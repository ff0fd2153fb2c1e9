// The checker on histories made by hand: each violation is found, and what is allowed (a read
// during a write, a read after a refused replace) is not called one.
import { describe, expect, it } from "vitest";
import { checkFinal, checkHangs, checkReads } from "./checker.js";
import { classify, contentOf, type Seen } from "./content.js";
import type { Operation } from "./history.js";

const SIZE = 100;
const write = (
  version: number,
  start: number,
  end: number,
  outcome: Operation["outcome"] = "ok",
  errno?: string,
) =>
  ({
    kind: "write",
    actor: "w",
    guest: 0,
    key: "k",
    version,
    start,
    end,
    outcome,
    ...(errno ? { errno } : {}),
  }) as Operation;
const read = (start: number, end: number, seen: Seen) =>
  ({ kind: "read", actor: "r", guest: 1, key: "k", start, end, outcome: "ok", seen }) as Operation;
const checkReadsOf = (ops: Operation[]) => checkReads(ops, SIZE);
const kinds = (violations: { kind: string }[]) => violations.map((v) => v.kind);

describe("content", () => {
  it("tells a whole version, a prefix, nothing, and foreign bytes apart", () => {
    const v3 = contentOf("k", 3, SIZE);
    expect(classify("k", v3, SIZE)).toEqual({ state: "complete", version: 3 });
    expect(classify("k", v3.subarray(0, 50), SIZE)).toEqual({ state: "partial", version: 3 });
    expect(classify("k", v3.subarray(0, 4), SIZE)).toEqual({ state: "partial" });
    expect(classify("k", Buffer.alloc(0), SIZE)).toEqual({ state: "empty" });
    expect(classify("k", undefined, SIZE)).toEqual({ state: "missing" });
    const flipped = Buffer.from(v3);
    flipped[80] = (flipped[80] as number) ^ 1;
    expect(classify("k", flipped, SIZE)).toEqual({ state: "corrupt", bytes: flipped });
    expect(classify("other", v3, SIZE)).toEqual({ state: "corrupt", bytes: v3 });
  });
});

describe("the invariants", () => {
  it("a read older than an acknowledged write is stale; one overlapping the write is not", () => {
    const ops = [write(1, 0, 10), write(2, 20, 30), read(15, 16, { state: "complete", version: 1 })];
    expect(checkReadsOf(ops)).toEqual([]);
    expect(kinds(checkReadsOf([...ops, read(25, 35, { state: "complete", version: 1 })]))).toEqual([]);
    expect(kinds(checkReadsOf([...ops, read(40, 41, { state: "complete", version: 1 })]))).toEqual(["stale"]);
  });

  it("a part of a file outside any write is torn; after a refused replace it is in doubt", () => {
    const ops = [write(1, 0, 10)];
    expect(kinds(checkReadsOf([...ops, read(20, 21, { state: "empty" })]))).toEqual(["torn"]);
    expect(
      kinds(checkReadsOf([...ops, write(2, 5, 25), read(20, 21, { state: "partial", version: 2 })])),
    ).toEqual([]);
    const refused = [...ops, write(2, 12, 14, "refused", "EIO")];
    expect(kinds(checkReadsOf([...refused, read(20, 21, { state: "empty" })]))).toEqual([]);
  });

  it("the bytes of a write refused with EIO, seen after the refusal, are a phantom", () => {
    const ops = [write(1, 0, 10), write(2, 12, 14, "refused", "EIO")];
    expect(kinds(checkReadsOf([...ops, read(20, 21, { state: "complete", version: 2 })]))).toEqual([
      "phantom",
    ]);
    expect(
      kinds(checkReadsOf([...ops, read(20, 21, { state: "corrupt", bytes: Buffer.from("garbage") })])),
    ).toEqual(["corrupt"]);
  });

  it("a rename refused with any errno whose version is seen after the refusal is a phantom", () => {
    // dom0 died between the rename and its answer, and the re-issue ran it again (ENOENT).
    const rename = (
      version: number,
      start: number,
      end: number,
      outcome: Operation["outcome"],
      errno?: string,
    ) => ({ ...write(version, start, end, outcome, errno), kind: "rename" }) as Operation;
    const ops = [rename(1, 0, 10, "ok"), rename(2, 12, 14, "refused", "ENOENT")];
    expect(kinds(checkReadsOf([...ops, read(20, 21, { state: "complete", version: 2 })]))).toEqual([
      "phantom",
    ]);
    // During the refused rename, either version may be seen.
    expect(kinds(checkReadsOf([...ops, read(13, 21, { state: "complete", version: 2 })]))).toEqual([]);
    expect(kinds(checkReadsOf([...ops, read(20, 21, { state: "complete", version: 1 })]))).toEqual([]);
  });

  it("the last acknowledged version must be on disk and through a guest", () => {
    const ops = [write(1, 0, 10), write(2, 12, 14)];
    const final = (disk: Buffer | undefined, guest: Seen | "hung") => new Map([["k", { disk, guest }]]);
    const v2 = contentOf("k", 2, SIZE);
    expect(checkFinal(ops, ["k"], final(v2, { state: "complete", version: 2 }), SIZE)).toEqual([]);
    expect(
      kinds(checkFinal(ops, ["k"], final(contentOf("k", 1, SIZE), { state: "complete", version: 2 }), SIZE)),
    ).toEqual(["lost"]);
    expect(kinds(checkFinal(ops, ["k"], final(v2, { state: "partial", version: 2 }), SIZE))).toEqual([
      "lost",
    ]);
    expect(
      kinds(checkFinal([...ops, write(3, 20, 30, "failed")], ["k"], final(v2, { state: "empty" }), SIZE)),
    ).toEqual(["unsettled"]); // A guest that hung on its final read (a hang of its own) leaves the disk to judge.
    expect(checkFinal(ops, ["k"], final(v2, "hung"), SIZE)).toEqual([]);
    expect(kinds(checkFinal(ops, ["k"], final(contentOf("k", 1, SIZE), "hung"), SIZE))).toEqual(["lost"]);
  });

  it("pages of two versions mix only while a replace is in flight, and never with an older one", () => {
    const size = 3 * 4096;
    const mix = Buffer.concat([
      contentOf("k", 3, size).subarray(0, 4096),
      contentOf("k", 2, size).subarray(4096),
    ]);
    const seen = classify("k", mix, size);
    expect(seen.state).toBe("corrupt");
    const reading = (start: number, end: number) =>
      ({ kind: "read", actor: "r", guest: 1, key: "k", start, end, outcome: "ok", seen }) as Operation;
    const ops = [write(1, 0, 10), write(2, 12, 14), write(3, 20, 30)];
    expect(checkReads([...ops, reading(25, 26)], size)).toEqual([]);
    expect(kinds(checkReads([...ops, reading(35, 36)], size))).toEqual(["corrupt"]);
    // v2's pages with v3 acknowledged before the read began: stale pages are no mix.
    expect(kinds(checkReads([...ops, write(4, 32, 40), reading(35, 36)], size))).toEqual(["corrupt"]);
  });

  it("zeros are no version: a read of them is corrupt even while a replace is in flight", () => {
    const size = 3 * 4096;
    const ops = [write(1, 0, 10), write(2, 20, 30)];
    const zerosWith = (head: Buffer) => {
      const bytes = Buffer.concat([head, Buffer.alloc(size - head.length)]);
      return {
        kind: "read",
        actor: "r",
        guest: 1,
        key: "k",
        start: 25,
        end: 26,
        outcome: "ok",
        seen: classify("k", bytes, size),
      } as Operation;
    };
    // All zeros over the old length (the truncate's zeros read before the size was), or the
    // new version's first page with zeros after it.
    for (const read of [zerosWith(Buffer.alloc(0)), zerosWith(contentOf("k", 2, size).subarray(0, 4096))])
      expect(checkReads([...ops, read], size).map((v) => v.detail)).toEqual([
        expect.stringContaining("(v0 = zeros), a write in flight"),
      ]);
  });

  it("a rename is atomic: a read during one, or after one in doubt, sees a whole version", () => {
    const rename = (version: number, start: number, end: number, outcome: Operation["outcome"] = "ok") =>
      ({ ...write(version, start, end, outcome), kind: "rename" }) as Operation;
    const ops = [rename(1, 0, 10), rename(2, 20, 30), rename(3, 40, 50, "failed")];
    for (const seen of [
      { state: "complete", version: 1 },
      { state: "complete", version: 2 },
    ] as const)
      expect(checkReadsOf([...ops, read(25, 26, seen)])).toEqual([]);
    expect(checkReadsOf([...ops, read(45, 60, { state: "complete", version: 3 })])).toEqual([]);
    expect(kinds(checkReadsOf([...ops, read(35, 36, { state: "complete", version: 1 })]))).toEqual(["stale"]);
    // What an in-place write may show while it runs is torn under a rename, in flight or in doubt.
    expect(kinds(checkReadsOf([...ops, read(25, 26, { state: "partial", version: 2 })]))).toEqual(["torn"]);
    expect(kinds(checkReadsOf([...ops, read(55, 56, { state: "empty" })]))).toEqual(["torn"]);
    const mix = Buffer.concat([
      contentOf("k", 2, 8192).subarray(0, 4096),
      contentOf("k", 1, 8192).subarray(4096),
    ]);
    expect(
      checkReads([...ops, read(25, 26, { state: "corrupt", bytes: mix })], 8192).map((v) => v.detail),
    ).toEqual([expect.stringContaining("renames are atomic")]);
    // Nothing before the first rename is acknowledged: no file is no violation.
    expect(checkReadsOf([rename(1, 10, 20), read(5, 15, { state: "missing" })])).toEqual([]);
    expect(
      checkFinal(
        [...ops, rename(4, 60, 70)],
        ["k"],
        new Map([
          [
            "k",
            {
              disk: contentOf("k", 4, SIZE),
              guest: { state: "complete", version: 4 },
            },
          ],
        ]),
        SIZE,
      ),
    ).toEqual([]);
    expect(kinds(checkFinal(ops, ["k"], new Map(), SIZE))).toEqual(["unsettled"]);
  });

  it("an operation past its deadline is a hang", () => {
    expect(kinds(checkHangs([write(1, 0, 10), write(2, 12, 60_012, "hung")]))).toEqual(["hung"]);
  });
});

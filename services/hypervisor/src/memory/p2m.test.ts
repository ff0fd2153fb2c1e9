import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FramePool } from "./frame-pool.js";
import { MemoryFile } from "./memory-file.js";
import { P2M_LIMIT, P2m } from "./p2m.js";

const dir = mkdtempSync(join(tmpdir(), "xenfs-p2m-"));
const files: MemoryFile[] = [];
const poolOf = (frames: number) => {
  const { file } = MemoryFile.create(dir, frames);
  files.push(file);
  return new FramePool(file);
};
afterAll(() => {
  for (const file of files) file.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("P2m", () => {
  it("hands out the lowest free gpfn ≥ 1, reusing holes first and skipping explicitly set gpfns", () => {
    const pool = poolOf(16);
    const frames = pool.alloc(8, 1, "ram")!;
    const p2m = new P2m();
    const entry = (i: number) => ({ frame: frames[i]!, foreign: false, readonly: false });
    expect([0, 1, 2].map((i) => p2m.insert(entry(i)))).toEqual([1, 2, 3]);
    p2m.set(4, entry(3));
    expect(p2m.insert(entry(4))).toBe(5);
    p2m.delete(2);
    p2m.delete(1);
    expect(p2m.insert(entry(5))).toBe(1);
    p2m.set(2, entry(6)); // the hole at 2 is taken explicitly
    expect(p2m.insert(entry(7))).toBe(6);
    expect(P2m.valid(0) || P2m.valid(P2M_LIMIT) || P2m.valid(1.5)).toBe(false);
  });
});

describe("FramePool", () => {
  it("allocates zeroed frames all-or-nothing and counts used and shared frames", () => {
    const pool = poolOf(4);
    expect(pool.alloc(5, 0, "ram")).toBeUndefined();
    const [a, b] = pool.alloc(2, 0, "ram")!;
    a!.write(0, Uint8Array.of(7));
    pool.pin(b!);
    expect({ used: pool.used, free: pool.free, shared: pool.shared }).toEqual({
      used: 2,
      free: 2,
      shared: 1,
    });
    expect(() => pool.release(b!)).toThrow(/mapped/);
    pool.release(a!);
    const [again] = pool.alloc(1, 3, "ram")!;
    expect(again!.mfn).toBe(a!.mfn); // reused, and zeroed
    expect(again!.read(0, 1)[0]).toBe(0);
    pool.unpin(b!);
    expect(pool.shared).toBe(0);
  });
});

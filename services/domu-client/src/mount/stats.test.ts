import { describe, expect, it } from "vitest";
import { S_IF, XenfsStats } from "./stats.js";

const record = (mode: number) => ({
  mode,
  nlink: 1,
  uid: 1000,
  gid: 1000,
  size: 5,
  ino: 42,
  dev: 7,
  blocks: 8,
  rdev: 0,
  blksize: 4096,
  atimeNs: 1_700_000_000_123_456_789n,
  mtimeNs: 1_700_000_001_000_000_000n,
  ctimeNs: 0n,
  birthtimeNs: 0n,
});

describe("XenfsStats", () => {
  it("answers the type questions from st_mode like Node's Stats", () => {
    const file = new XenfsStats(record(S_IF.S_IFREG | 0o644));
    expect([file.isFile(), file.isDirectory(), file.isSymbolicLink()]).toEqual([true, false, false]);
    expect(new XenfsStats(record(S_IF.S_IFDIR | 0o755)).isDirectory()).toBe(true);
    expect(new XenfsStats(record(S_IF.S_IFLNK | 0o777)).isSymbolicLink()).toBe(true);
  });

  it("carries times as milliseconds and Dates", () => {
    const stats = new XenfsStats(record(S_IF.S_IFREG));
    expect(stats.mtimeMs).toBe(1_700_000_001_000);
    expect(stats.mtime.getTime()).toBe(1_700_000_001_000);
    expect(stats.atimeMs).toBeCloseTo(1_700_000_000_123.456, 2);
    expect([stats.size, stats.ino, stats.dev]).toEqual([5, 42, 7]);
  });
});

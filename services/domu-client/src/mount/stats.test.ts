import { rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S_IF, type StatRecord } from "@xenfs/fsproto";
import { describe, expect, it } from "vitest";
import { NS_TIMES, setTimesNs } from "../../test/times.js";
import { XenfsStats } from "./stats.js";

const record = (mode: number, times: Partial<StatRecord> = {}): StatRecord => ({
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
  ...times,
});

describe("XenfsStats", () => {
  it("answers the type questions from st_mode like Node's Stats", () => {
    const file = new XenfsStats(record(S_IF.S_IFREG | 0o644));
    expect([file.isFile(), file.isDirectory(), file.isSymbolicLink()]).toEqual([true, false, false]);
    expect(new XenfsStats(record(S_IF.S_IFDIR | 0o755)).isDirectory()).toBe(true);
    expect(new XenfsStats(record(S_IF.S_IFLNK | 0o777)).isSymbolicLink()).toBe(true);
  });

  it("carries times as exact nanoseconds, milliseconds and Dates", () => {
    const stats = new XenfsStats(record(S_IF.S_IFREG));
    expect(stats.atimeNs).toBe(1_700_000_000_123_456_789n);
    expect(stats.mtimeMs).toBe(1_700_000_001_000);
    expect(stats.mtime.getTime()).toBe(1_700_000_001_000);
    expect(stats.atimeMs).toBe(1_700_000_000_000 + 123.456_789);
    expect([stats.size, stats.ino, stats.dev]).toEqual([5, 42, 7]);
  });

  it("derives milliseconds and Dates from nanoseconds exactly as Node's fs.stat does", async () => {
    const path = join(tmpdir(), `xenfs-stats-${process.pid}.txt`);
    await writeFile(path, "times");
    await setTimesNs(path, NS_TIMES);
    const exact = await stat(path, { bigint: true });
    const node = await stat(path);
    await rm(path);
    expect(exact.mtimeNs % 1_000n).not.toBe(0n); // the nanoseconds survived into the file
    const ours = new XenfsStats(
      record(S_IF.S_IFREG, {
        atimeNs: exact.atimeNs,
        mtimeNs: exact.mtimeNs,
        ctimeNs: exact.ctimeNs,
        birthtimeNs: exact.birthtimeNs,
      }),
    );
    for (const which of ["atime", "mtime", "ctime", "birthtime"] as const) {
      expect(ours[`${which}Ns`]).toBe(exact[`${which}Ns`]);
      expect(ours[`${which}Ms`]).toBe(node[`${which}Ms`]);
      expect(ours[which].getTime()).toBe(node[which].getTime());
    }
  });

  it("splits times before 1970 into a timespec as the kernel does (nanoseconds never negative)", () => {
    const stats = new XenfsStats(record(S_IF.S_IFREG, { mtimeNs: -1_500_000_000n, ctimeNs: -1n }));
    expect(stats.mtimeMs).toBe(-1_500);
    expect(stats.ctimeMs).toBe(-1_000 + 999_999_999 / 1e6);
  });
});

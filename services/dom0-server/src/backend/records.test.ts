// The wire's times are dom0's statx times to the nanosecond: no step goes through a double.
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toFileStat } from "../export/stat.js";
import { fileAttrsOf, statRecordOf } from "./records.js";

describe("records of a file's stat", () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "xenfs-records-"));
    path = join(dir, "times.txt");
    await writeFile(path, "times");
    // Node's utimes goes through a double; touch (utimensat) sets every nanosecond.
    await promisify(execFile)("touch", ["-m", "-d", "@3000000000.123456789", path]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("carry the host's nanosecond times exactly, far past 2^53", async () => {
    const host = await stat(path, { bigint: true });
    expect(host.mtimeNs).toBe(3_000_000_000_123_456_789n);
    const record = statRecordOf(toFileStat(host, 1));
    expect([record.atimeNs, record.mtimeNs, record.ctimeNs, record.birthtimeNs]).toEqual([
      host.atimeNs,
      host.mtimeNs,
      host.ctimeNs,
      host.birthtimeNs,
    ]);
    expect(fileAttrsOf(toFileStat(host, 1))).toMatchObject({ mtimeNs: host.mtimeNs, ctimeNs: host.ctimeNs });
  });
});

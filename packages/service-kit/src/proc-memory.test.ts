import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { skipReason } from "@xenfs/testkit-skip";
import { describe, expect, it } from "vitest";
import { fileResidentBytes, ProcMemoryError, parseSmapsRollup, procMemory } from "./proc-memory.js";

describe("proc memory", () => {
  it("parses Rss and Pss from smaps_rollup in bytes", () => {
    const text =
      "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  2048 kB\nPss:  1536 kB\nPss_Anon: 1000 kB\n";
    expect(parseSmapsRollup(7, text)).toEqual({ pid: 7, rssBytes: 2048 * 1024, pssBytes: 1536 * 1024 });
  });

  it("refuses text without the fields", () => {
    expect(() => parseSmapsRollup(7, "Size: 4 kB\n")).toThrow(ProcMemoryError);
  });

  const reads = "reads this process, and nothing for a pid that does not exist";
  it.skipIf(skipReason(reads, process.platform === "linux" ? undefined : `no /proc on ${process.platform}`))(
    reads,
    () => {
      const self = procMemory();
      expect(self?.pssBytes).toBeGreaterThan(0);
      expect(self!.rssBytes).toBeGreaterThanOrEqual(self!.pssBytes);
      expect(procMemory(2 ** 22 + 1)).toBeUndefined();
    },
  );

  it("counts a file's allocated bytes, not its length", () => {
    const dir = mkdtempSync(join(tmpdir(), "procmem-"));
    try {
      const path = join(dir, "f");
      writeFileSync(path, Buffer.alloc(64 * 1024, 1));
      expect(fileResidentBytes(path)).toBeGreaterThanOrEqual(64 * 1024);
      expect(fileResidentBytes(join(dir, "missing"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

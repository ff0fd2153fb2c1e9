// grant_entry_v1 as libxen writes it, checked against the struct laid out by Xen's own header.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { skipReason } from "@xenfs/testkit-skip";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeGrantEntry, encodeGrantEntry, entryLocation, flagsWord } from "./grant_entry.js";
import { GTF } from "./grant_table.js";

const HEADER = "/usr/include/xen/grant_table.h";
const SOURCE = fileURLToPath(new URL("../../test/c/grant_entry.c", import.meta.url));
const missing = spawnSync("cc", ["--version"]).error
  ? "no C compiler"
  : existsSync(HEADER)
    ? undefined
    : `no ${HEADER}`;

const entry = fc.record({
  flags: fc.integer({ min: 0, max: 0xffff }),
  domid: fc.integer({ min: 0, max: 0x7fef }),
  frame: fc.integer({ min: 0, max: 0xffffffff }),
});

describe("grant_entry_v1 encoding", () => {
  it("round-trips every field", () => {
    fc.assert(
      fc.property(entry, (e) => {
        expect(decodeGrantEntry(encodeGrantEntry(e))).toEqual(e);
      }),
      { numRuns: 200 },
    );
  });

  it("puts flags and domid in the word a width-4 cmpxchg sees at the entry's start", () => {
    const bytes = encodeGrantEntry({ flags: GTF.permit_access | GTF.readonly, domid: 7, frame: 99 });
    const word = BigInt(new DataView(bytes.buffer).getUint32(0, true));
    expect(word).toBe(flagsWord(GTF.permit_access | GTF.readonly, 7));
  });

  it("locates ref n at byte 8·(n mod 512) of table frame ⌊n/512⌋", () => {
    expect(entryLocation(0)).toEqual({ frameIndex: 0, offset: 0 });
    expect(entryLocation(511)).toEqual({ frameIndex: 0, offset: 4088 });
    expect(entryLocation(513)).toEqual({ frameIndex: 1, offset: 8 });
  });

  it("refuses fields that do not fit, and a buffer that is not one entry", () => {
    expect(() => encodeGrantEntry({ flags: 0x10000, domid: 1, frame: 1 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => encodeGrantEntry({ flags: 1, domid: 0x7ff1, frame: 1 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => encodeGrantEntry({ flags: 1, domid: 1, frame: -1 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => decodeGrantEntry(new Uint8Array(7))).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

const AGAINST_HEADER = "grant_entry_v1 against grant_table.h";

describe.skipIf(skipReason(AGAINST_HEADER, missing && `${missing} (apt-get install gcc libxen-dev)`))(
  AGAINST_HEADER,
  () => {
    let dir: string;
    let bin: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "grant-entry-"));
      bin = join(dir, "grant_entry");
      execFileSync("cc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", bin, SOURCE], { stdio: "pipe" });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("writes the same 8 bytes as the C struct, for random entries", () => {
      const entries = fc.sample(entry, 64);
      const lines = execFileSync(
        bin,
        entries.flatMap((e) => [e.flags, e.domid, e.frame].map(String)),
        {
          encoding: "utf8",
        },
      )
        .trim()
        .split("\n");
      expect(lines[0]).toBe("8 0 2 4");
      entries.forEach((e, i) => {
        expect(Array.from(encodeGrantEntry(e)).join(" ")).toBe(lines[i + 1]);
      });
    });
  },
);

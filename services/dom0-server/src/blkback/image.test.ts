// The image checks a vbd makes before any guest sees it: a clear VbdError, never a crash.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VbdError } from "./errors.js";
import { VbdImage } from "./image.js";
import { ImageClaims } from "./image-claims.js";

describe("vbd images", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vbd-image-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("opens a raw image whose size is whole sectors, and reads, writes and flushes it", async () => {
    const path = join(dir, "ok.img");
    await writeFile(path, Buffer.alloc(8 * 512, 7));
    const image = await VbdImage.open(path, false);
    expect(image.sectors).toBe(8);
    await image.write(512, new Uint8Array(512).fill(9));
    await image.flush();
    expect(Array.from(await image.read(510, 4))).toEqual([7, 7, 9, 9]);
    await image.close();
  });

  it.each([
    ["missing", async () => join(dir, "nope.img"), "ENOENT", /does not exist/],
    [
      "truncated",
      async () => {
        const p = join(dir, "short.img");
        await writeFile(p, Buffer.alloc(3 * 512 + 100));
        return p;
      },
      "EINVAL",
      /1636 bytes, not a multiple of the 512-byte sector/,
    ],
    [
      "empty",
      async () => {
        const p = join(dir, "empty.img");
        await writeFile(p, "");
        return p;
      },
      "EINVAL",
      /is empty/,
    ],
    [
      "a directory",
      async () => {
        const p = join(dir, "adir");
        await mkdir(p);
        return p;
      },
      "EINVAL",
      /directory|not a regular file/,
    ],
  ] as const)("refuses a %s image with a VbdError saying so", async (_what, make, code, message) => {
    const path = await make();
    for (const readonly of [true, false]) {
      const error = await VbdImage.open(path, readonly).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VbdError);
      expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    }
  });

  it("lets any number of guests share a read-only image, and one guest alone a writable one", () => {
    const claims = new ImageClaims();
    claims.claim("/img/ro", 1, true);
    claims.claim("/img/ro", 2, true);
    claims.claim("/img/rw", 1, false);
    claims.claim("/img/rw", 1, false); // the same guest reconnecting
    expect(() => claims.claim("/img/rw", 2, false)).toThrow(
      expect.objectContaining({
        code: "EBUSY",
        message: expect.stringMatching(/attached writable to guest 1/),
      }),
    );
    expect(() => claims.claim("/img/ro", 3, false)).toThrow(expect.objectContaining({ code: "EBUSY" }));
    claims.release("/img/rw", 1);
    claims.claim("/img/rw", 2, false);
  });
});

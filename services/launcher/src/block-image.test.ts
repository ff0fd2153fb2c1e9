// Block mode's image: made from the export by infra/block-image.sh (mkfs.ext4 -d), or given.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { skipReason } from "@xenfs/testkit-skip";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareBlockImage } from "./block-image.js";

const missing = spawnSync("/usr/sbin/mkfs.ext4", ["-V"]).error
  ? "no /usr/sbin/mkfs.ext4 (apt-get install e2fsprogs)"
  : undefined;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "block-image-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason("block image from the export", missing))("block image from the export", () => {
  it("makes an ext4 image of the export holding its files", async () => {
    const exportDir = join(dir, "export");
    await mkdir(exportDir);
    await writeFile(join(exportDir, "hello.txt"), "hello, block\n");
    const image = await prepareBlockImage(exportDir, undefined, dir);
    expect(image).toBe(join(dir, "block.img"));
    const handle = await open(image);
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 1024 + 0x38);
    await handle.close();
    expect(magic.readUInt16LE(0)).toBe(0xef53);
    const cat = spawnSync("/usr/sbin/debugfs", ["-R", "cat /hello.txt", image], { encoding: "utf8" });
    expect(cat.stdout).toBe("hello, block\n");
  });
});

describe("a given block image", () => {
  it("is taken as it is when it is whole sectors, and refused clearly otherwise", async () => {
    const good = join(dir, "good.img");
    await writeFile(good, Buffer.alloc(4096));
    expect(await prepareBlockImage(dir, good, dir)).toBe(good);
    const odd = join(dir, "odd.img");
    await writeFile(odd, Buffer.alloc(1000));
    await expect(prepareBlockImage(dir, odd, dir)).rejects.toThrow(
      /--block-image .*odd.img is not a disk image/,
    );
    await expect(prepareBlockImage(dir, join(dir, "none.img"), dir)).rejects.toMatchObject({
      name: "OptionError",
    });
  });
});

// `block` mode: an ext4 image made by Debian's mkfs.ext4 -d from a directory, served read-only
// by blkback, mounted by several guests through blkfront and libext2fs; every file checked by hash
// against its source, both by readFile and by FileHandle.read in chunks.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlkbackDriver, ImageClaims } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { VBD_DEVICE } from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { skipReason } from "@xenfs/testkit-skip";
import { XenbusBackend } from "@xenfs/xenbus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import type { BlockMount } from "./block-mount.js";
import { mountBlock } from "./mount-block.js";

const MKFS = "/usr/sbin/mkfs.ext4";
const missing = spawnSync(MKFS, ["-V"]).error ? `no ${MKFS} (apt-get install e2fsprogs)` : undefined;

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** Bytes that differ at every offset. */
function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 12) + (i >> 20)) & 0xff;
  return bytes;
}

const FILES: Record<string, Buffer> = {
  "hello.txt": Buffer.from("hello, block mode\n"),
  "big.bin": pattern(2_000_000, 1), // the size ext2fs's own readFile got wrong
  "docs/readme.md": Buffer.from("# XenFS\n"),
  "docs/deep/page.bin": pattern(4096, 3),
  "docs/deep/zero.bin": Buffer.alloc(0),
  "odd.bin": pattern(123_457, 5),
};

async function makeImage(dir: string, tree: Record<string, Buffer>, size: string): Promise<string> {
  const root = join(dir, "tree");
  for (const [path, data] of Object.entries(tree)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), data);
  }
  await mkdir(join(root, "empty"), { recursive: true });
  await symlink("docs/readme.md", join(root, "link"));
  const image = join(dir, "disk.img");
  execFileSync(MKFS, ["-q", "-F", "-d", root, image, size], { stdio: "pipe" });
  return image;
}

const TITLE = "block mode: ext4 through the vbd";

describe.skipIf(skipReason(TITLE, missing))(TITLE, () => {
  let dir: string;
  let hv: Hypervisor;
  let dom0: XenDomain;
  let backend: XenbusBackend;
  let driver: BlkbackDriver;
  const guests: XenDomain[] = [];
  const mounts: BlockMount[] = [];

  const guestMount = async (name: string) => {
    const domain = await joinGuest(hv, name);
    guests.push(domain);
    const fs = await mountBlock(domain);
    mounts.push(fs);
    return fs;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "block-mode-"));
    const image = await makeImage(dir, FILES, "16M");
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await joinDom0(hv);
    driver = await BlkbackDriver.open(
      dom0,
      { image, readonly: true, claims: new ImageClaims() },
      silentLogger(),
    );
    backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
    await backend.start();
  });
  afterAll(async () => {
    await Promise.allSettled(mounts.map((m) => m.unmount()));
    await Promise.allSettled(guests.map((g) => g.close()));
    await backend?.close();
    await driver?.close();
    await dom0?.close();
    await hv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("three guests mount the image; every file matches its source by hash, read whole and in chunks", async () => {
    const all = await Promise.all(["blk-a", "blk-b", "blk-c"].map(guestMount));
    for (const fs of all) {
      for (const [path, data] of Object.entries(FILES)) {
        expect(sha((await fs.readFile(`/${path}`)) as Buffer), path).toBe(sha(data));
        const handle = await fs.open(`/${path}`);
        const out = Buffer.alloc(data.length);
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await handle.read(out, done, Math.min(10_000, out.length - done), done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        await handle.close();
        expect(done, path).toBe(data.length);
        expect(sha(out), path).toBe(sha(data));
        expect((await fs.stat(`/${path}`)).size).toBe(data.length);
      }
    }
    expect(driver.guests()).toHaveLength(3);
  });

  it("lists directories with their types, follows and reads links, and says ENOENT and EISDIR", async () => {
    const [fs] = mounts as [BlockMount];
    expect((await fs.readdir("/")).sort()).toEqual(
      ["big.bin", "docs", "empty", "hello.txt", "link", "lost+found", "odd.bin"].sort(),
    );
    const entries = await fs.readdir("/docs/deep", { withFileTypes: true });
    expect(entries.map((e) => [e.name, e.isFile()]).sort()).toEqual([
      ["page.bin", true],
      ["zero.bin", true],
    ]);
    expect((await fs.lstat("/link")).isSymbolicLink()).toBe(true);
    expect(await fs.readlink("/link")).toBe("docs/readme.md");
    expect(await fs.readFile("/link", "utf8")).toBe("# XenFS\n");
    expect((await fs.stat("/empty")).isDirectory()).toBe(true);
    await expect(fs.readFile("/nope")).rejects.toMatchObject({ code: "ENOENT", path: "/nope" });
    await expect(fs.readFile("/docs")).rejects.toMatchObject({ code: "EISDIR" });
    expect(await fs.exists("/hello.txt")).toBe(true);
    expect(await fs.exists("/nope")).toBe(false);
  });

  it("refuses every change on the read-only disk with EROFS; dom0's image stays as made", async () => {
    const [fs] = mounts as [BlockMount];
    const before = sha(await readFile(join(dir, "disk.img")));
    await expect(fs.writeFile("/new.txt", "x")).rejects.toMatchObject({ code: "EROFS" });
    await expect(fs.open("/hello.txt", "r+")).rejects.toMatchObject({ code: "EROFS" });
    await expect(fs.mkdir("/d")).rejects.toMatchObject({ code: "EROFS" });
    await expect(fs.unlink("/hello.txt")).rejects.toMatchObject({ code: "EROFS" });
    await expect(fs.rename("/hello.txt", "/h")).rejects.toMatchObject({ code: "EROFS" });
    expect(await fs.readFile("/hello.txt", "utf8")).toBe("hello, block mode\n");
    expect(sha(await readFile(join(dir, "disk.img")))).toBe(before);
    const errors = driver.guests().reduce((n, g) => n + g.answered.error, 0);
    expect(errors).toBe(0); // libext2fs's own writes (atime) stayed in each guest's overlay
  });
});

describe.skipIf(skipReason("block mode: a disk with no filesystem", missing))(
  "block mode: a disk with no filesystem",
  () => {
    it("is a clear error at mount, and the guest and dom0 carry on", async () => {
      const dir = await mkdtemp(join(tmpdir(), "block-bad-"));
      const image = join(dir, "junk.img");
      await writeFile(image, pattern(2 * 1024 * 1024, 9));
      const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
      const dom0 = await joinDom0(hv);
      const driver = await BlkbackDriver.open(
        dom0,
        { image, readonly: true, claims: new ImageClaims() },
        silentLogger(),
      );
      const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
      await backend.start();
      const guest = await joinGuest(hv, "blk-junk");
      try {
        await expect(mountBlock(guest)).rejects.toMatchObject({
          name: "BlockMountError",
          message: expect.stringMatching(/holds no ext2\/3\/4 filesystem/),
        });
        // dom0 still serves the disk: a second attempt reaches it and is refused the same way.
        await expect(mountBlock(guest)).rejects.toMatchObject({ name: "BlockMountError" });
      } finally {
        await guest.close();
        await backend.close();
        await driver.close();
        await dom0.close();
        await hv.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);

describe.skipIf(skipReason("block mode: a writable disk", missing))("block mode: a writable disk", () => {
  it("takes a guest's new files and directories onto the image, readable by e2fsprogs after unmount", async () => {
    const dir = await mkdtemp(join(tmpdir(), "block-rw-"));
    const image = await makeImage(dir, { "old.txt": Buffer.from("old\n") }, "8M");
    const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    const dom0 = await joinDom0(hv);
    const driver = await BlkbackDriver.open(
      dom0,
      { image, readonly: false, claims: new ImageClaims() },
      silentLogger(),
    );
    const backend = new XenbusBackend(dom0, VBD_DEVICE, driver);
    await backend.start();
    const guest = await joinGuest(hv, "blk-rw");
    const data = pattern(300_001, 11);
    try {
      const fs = await mountBlock(guest);
      expect(fs.readonly).toBe(false);
      await fs.mkdir("/made");
      await fs.writeFile("/made/new.bin", data);
      expect(sha((await fs.readFile("/made/new.bin")) as Buffer)).toBe(sha(data));
      expect(await fs.readFile("/old.txt", "utf8")).toBe("old\n");
      await fs.unmount();
      const out = execFileSync("/usr/sbin/debugfs", ["-R", "cat /made/new.bin", image], {
        maxBuffer: 4 * 1024 * 1024,
        stdio: ["ignore", "pipe", "ignore"],
      });
      expect(sha(out)).toBe(sha(data));
    } finally {
      await guest.close();
      await backend.close();
      await driver.close();
      await dom0.close();
      await hv.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

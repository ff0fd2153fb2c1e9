// Block mode behind the guest's mount interface (mountGuest, as the service mounts it): the
// sample export the other modes' mount tests read, made into an ext4 image with mkfs.ext4 -d and
// served by a real dom0 (XENFS_VBD_IMAGE). The same reads give the same results as in the other
// modes (mount/mount.test.ts); changes to a read-only image are refused EROFS; a writable image
// takes them; an image cut short is a clear error at mount while dom0 serves on.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { skipReason } from "@xenfs/testkit-skip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pattern,
  sampleExport,
  startTestHost,
  TEST_HYPERVISOR_OPTIONS,
  type TestHost,
} from "../../test/xenfs-host.js";
import { type GuestMount, mountGuest } from "../guest-mount.js";
import { MountCounters } from "../mount/counters.js";
import { mount } from "../xenfs.js";

const MKFS = "/usr/sbin/mkfs.ext4";
const missing = spawnSync(MKFS, ["-V"]).error ? `no ${MKFS} (apt-get install e2fsprogs)` : undefined;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface BlockHost {
  readonly hv: Hypervisor;
  readonly dom0: Dom0Server;
  readonly image: string;
  guest(name: string, writable?: boolean, maxPagesHeld?: number): Promise<GuestMount>;
  stop(): Promise<void>;
}

/** A hypervisor, and a dom0 exporting the sample tree and serving its ext4 image as vbd/0. */
async function startBlockHost(options: { readonly: boolean; cut?: boolean }): Promise<BlockHost> {
  const base = await mkdtemp(join(tmpdir(), "block-mode-"));
  const exportDir = join(base, "export");
  await mkdir(exportDir);
  await sampleExport(exportDir);
  const image = join(base, "disk.img");
  execFileSync(MKFS, ["-q", "-F", "-d", exportDir, image, "8M"], { stdio: "pipe" });
  // Cut to half: still whole sectors, so dom0 serves it; the filesystem says it is longer.
  if (options.cut) await truncate(image, 4 * 1024 * 1024);
  const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  const dom0 = await startDom0Server({
    hypervisorUrl: hv.url,
    dom0Token: DOM0_TOKEN,
    exportDir,
    port: 0,
    cacheMb: 8,
    vbd: { image, readonly: options.readonly },
  });
  const guests: { domain: XenDomain; fs?: GuestMount }[] = [];
  return {
    hv,
    dom0,
    image,
    async guest(name, writable = false, maxPagesHeld = undefined) {
      const domain = await joinGuest(hv, name);
      const guest: { domain: XenDomain; fs?: GuestMount } = { domain };
      guests.push(guest);
      guest.fs = await mountGuest(domain, {
        mode: "block",
        writable,
        counters: new MountCounters(),
        connectTimeoutMs: 10_000,
        ...(maxPagesHeld === undefined ? {} : { maxPagesHeld }),
      });
      return guest.fs;
    },
    async stop() {
      for (const { domain, fs } of guests) {
        await fs?.unmount().catch(() => {});
        await domain.close();
      }
      await dom0.close();
      await hv.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

const TITLE = "block mode behind the guest's mount";

describe.skipIf(skipReason(TITLE, missing))(TITLE, () => {
  describe("a read-only image", () => {
    let host: BlockHost;
    let fs: GuestMount;
    beforeAll(async () => {
      host = await startBlockHost({ readonly: true });
      fs = await host.guest("blk-ro");
    });
    afterAll(async () => {
      await host?.stop();
    });

    it("reads files as Buffers or strings, whole pages and partial ones, as the other modes do", async () => {
      expect(await fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
      expect(await fs.readFile("docs/deep/big.bin")).toEqual(pattern(5 * 4096 + 123));
      expect(await fs.readFile("docs/deep/er/page.bin")).toEqual(pattern(4096, 3));
      expect((await fs.readFile("docs/deep/er/zero.bin")).length).toBe(0);
      expect(await fs.readFile("docs/link-in", "utf8")).toBe("# XenFS\n");
      // Absolute paths name the same files: the image's root is the mount's.
      expect(await fs.readFile("/hello.txt", "utf8")).toBe("hello, xenfs\n");
    });

    it("lists directories with names and Dirent types, and stats like Node", async () => {
      expect(await fs.readdir(".")).toEqual(
        expect.arrayContaining(["docs", "empty", "hello.txt", "link-out"]),
      );
      const entries = await fs.readdir("docs", { withFileTypes: true });
      const kinds = Object.fromEntries(
        entries.map((e) => [
          e.name,
          e.isFile() ? "file" : e.isDirectory() ? "dir" : e.isSymbolicLink() ? "link" : "?",
        ]),
      );
      expect(kinds).toEqual({ "readme.md": "file", deep: "dir", "link-in": "link" });
      expect((await fs.stat("docs/deep/big.bin")).size).toBe(5 * 4096 + 123);
      expect((await fs.stat("docs")).isDirectory()).toBe(true);
      expect((await fs.lstat("docs/link-in")).isSymbolicLink()).toBe(true);
      expect((await fs.stat("docs/link-in")).isFile()).toBe(true);
      expect(await fs.readlink("link-out")).toBe("/etc");
    });

    it("reads through a FileHandle at any position", async () => {
      const handle = await fs.open("docs/deep/big.bin");
      const buffer = Buffer.alloc(10_000);
      expect((await handle.read(buffer, 0, 10_000, 7_000)).bytesRead).toBe(10_000);
      expect(buffer).toEqual(pattern(5 * 4096 + 123).subarray(7_000, 17_000));
      expect((await handle.stat()).size).toBe(5 * 4096 + 123);
      await handle.close();
    });

    it("fails with Node's codes: ENOENT, EISDIR, ENOTDIR", async () => {
      await expect(fs.readFile("missing.txt")).rejects.toMatchObject({ code: "ENOENT", path: "missing.txt" });
      await expect(fs.stat("docs/nope")).rejects.toMatchObject({ code: "ENOENT", syscall: "stat" });
      await expect(fs.readFile("docs")).rejects.toMatchObject({ code: "EISDIR" });
      await expect(fs.readdir("hello.txt")).rejects.toMatchObject({ code: "ENOTDIR", syscall: "scandir" });
      expect(await fs.exists("hello.txt")).toBe(true);
      expect(await fs.exists("missing.txt")).toBe(false);
    });

    it("refuses every change with EROFS; dom0's image stays as made", async () => {
      const before = sha(await readFile(host.image));
      expect(fs.readonly).toBe(true);
      await expect(fs.writeFile("new.txt", "x")).rejects.toMatchObject({ code: "EROFS" });
      await expect(fs.appendFile("hello.txt", "x")).rejects.toMatchObject({ code: "EROFS" });
      await expect(fs.mkdir("d", { recursive: true })).rejects.toMatchObject({ code: "EROFS" });
      await expect(fs.rm("docs", { recursive: true })).rejects.toMatchObject({ code: "EROFS" });
      await expect(fs.rmdir("empty")).rejects.toMatchObject({ code: "EROFS" });
      await expect(fs.unlink("hello.txt")).rejects.toMatchObject({ code: "EROFS" });
      await expect(fs.rename("hello.txt", "h")).rejects.toMatchObject({ code: "EROFS" });
      expect(await fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
      expect(sha(await readFile(host.image))).toBe(before);
    });

    it("reports what it did as /api/mount shows it: mode, state, requests, bytes, its own cached pages", async () => {
      const snapshot = fs.snapshot();
      expect(snapshot).toMatchObject({ mode: "block", state: "Connected", bytesWritten: 0 });
      expect(snapshot.requests).toBeGreaterThan(0);
      expect(snapshot.bytesRead).toBeGreaterThanOrEqual(5 * 4096 + 123 + 10_000);
      expect(snapshot.readsLocal).toBeGreaterThan(0);
      expect(snapshot.pagesHeld).toBeGreaterThan(0);
    });

    it("keeps its own disk cache within maxPagesHeld, reading every file right", async () => {
      const small = await host.guest("blk-small-cache", false, 32);
      for (let round = 0; round < 2; round++) {
        expect(await small.readFile("docs/deep/big.bin")).toEqual(pattern(5 * 4096 + 123));
        expect(await small.readFile("docs/deep/er/page.bin")).toEqual(pattern(4096, 3));
        expect(await small.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
      }
      // 64 KiB chunks: two of them (and the few sectors of libext2fs's atime notes) at most.
      expect(small.snapshot().pagesHeld).toBeLessThanOrEqual(32 + 2);
      expect(fs.snapshot().pagesHeld).toBeGreaterThan(32);
    });

    it("fails every call with ENOTCONN once abandoned (its domain lost); other guests read on", async () => {
      const other = await host.guest("blk-abandoned");
      expect(await other.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
      other.abandon();
      await expect(other.readFile("docs/deep/big.bin")).rejects.toMatchObject({ code: "ENOTCONN" });
      await expect(other.readdir(".")).rejects.toMatchObject({ code: "ENOTCONN" });
      // The first guest reads on.
      expect(await fs.readFile("docs/readme.md", "utf8")).toBe("# XenFS\n");
    });
  });

  describe("a writable image, mounted rw", () => {
    let host: BlockHost;
    let fs: GuestMount;
    beforeAll(async () => {
      host = await startBlockHost({ readonly: false });
      fs = await host.guest("blk-rw", true);
    });
    afterAll(async () => {
      await host?.stop();
    });

    it("writes, appends, makes and removes trees, renames", async () => {
      expect(fs.readonly).toBe(false);
      expect(await fs.mkdir("made/a/b", { recursive: true })).toBe("/made");
      expect(await fs.mkdir("made/a/b", { recursive: true })).toBeUndefined();
      const data = pattern(3 * 4096 + 17, 9);
      await fs.writeFile("made/a/b/out.bin", data);
      expect(await fs.readFile("made/a/b/out.bin")).toEqual(data);
      await fs.writeFile("made/log.txt", "short");
      await fs.appendFile("made/log.txt", " and more");
      await fs.appendFile("made/new.txt", "fresh");
      expect(await fs.readFile("made/log.txt", "utf8")).toBe("short and more");
      expect(await fs.readFile("made/new.txt", "utf8")).toBe("fresh");
      await fs.rename("made/new.txt", "made/renamed.txt");
      expect(await fs.exists("made/new.txt")).toBe(false);
      await expect(fs.rm("made")).rejects.toMatchObject({ code: "EISDIR" });
      await fs.rm("made", { recursive: true });
      expect(await fs.exists("made")).toBe(false);
      await fs.rm("made", { force: true });
      expect(fs.snapshot().bytesWritten).toBeGreaterThanOrEqual(data.length + 19);
    });

    it("a second guest mounting the writable image is refused, with dom0's reason", async () => {
      await expect(host.guest("blk-rw-2", true)).rejects.toThrow(/attached writable to guest/);
    });
  });

  describe("a dom0 that serves no vbd", () => {
    let host: TestHost;
    beforeAll(async () => {
      host = await startTestHost();
    });
    afterAll(async () => {
      await host?.stop();
    });

    it("is waited for, saying so, and with a bound the mount fails MountError and lets the device go", async () => {
      const domain = await joinGuest(host.hv, "blk-no-vbd");
      const waited: number[] = [];
      try {
        await expect(
          mountGuest(domain, { mode: "block", connectTimeoutMs: 2_500, onWaiting: (ms) => waited.push(ms) }),
        ).rejects.toMatchObject({
          name: "MountError",
          code: "ENOTCONN",
          message: expect.stringMatching(/vbd/),
        });
        expect(waited.length).toBeGreaterThan(0);
        // The same domain still mounts XenFS: the vbd frontend it gave up holds nothing.
        const xenfs = await mount(domain, { mode: "shared", connectTimeoutMs: 10_000 });
        expect(await xenfs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
        await xenfs.unmount();
      } finally {
        await domain.close();
      }
    });
  });

  describe("an image cut short", () => {
    let host: BlockHost;
    beforeAll(async () => {
      host = await startBlockHost({ readonly: true, cut: true });
    });
    afterAll(async () => {
      await host?.stop();
    });

    it("is a clear error at mount; dom0 serves on, XenFS and the vbd alike", async () => {
      await expect(host.guest("blk-cut")).rejects.toMatchObject({
        name: "BlockMountError",
        message: expect.stringMatching(
          /image is truncated: its filesystem spans 8388608 bytes, the disk holds 4194304/,
        ),
      });
      // The same guest can try again (the vbd was let go), and is told the same.
      await expect(host.guest("blk-cut-again")).rejects.toMatchObject({ name: "BlockMountError" });
      const domain = await joinGuest(host.hv, "xenfs-beside");
      const xenfs = await mount(domain, { mode: "shared", connectTimeoutMs: 10_000 });
      try {
        expect(await xenfs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
      } finally {
        await xenfs.unmount();
        await domain.close();
      }
    });
  });
});

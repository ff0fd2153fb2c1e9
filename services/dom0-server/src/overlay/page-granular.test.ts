// Page-granular copy-up (docs/xenfs.md#cow-mode): a cow guest's changed file is a sparse upper
// file plus a changed-pages record, its unchanged pages still the base's. Random writes (at
// offsets and appending), truncates down and up (by fd and by path) and reads go to the overlay
// and, as the reference, to a plain copy on the host's filesystem; after every step the bytes
// must agree, the base must be untouched, and a fresh overlay (dom0 restarted) must agree too.
import {
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportFs } from "../export/index.js";
import type { OverlayFs } from "./overlay-fs.js";
import { Overlays } from "./overlays.js";
import { PAGE_RECORD_PREFIX } from "./whiteout.js";

const DOM = 5;
const PAGE = 4096;
/** 40 pages and a bit: the base's last page is cut short. */
const BASE_SIZE = 40 * PAGE + 100;

let top: string;
let exportDir: string;
let overlayDir: string;
let reference: string;
let overlays: Overlays;
let fs: OverlayFs;
let baseBytes: Buffer;

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff;
  return out;
}

/** mulberry32: a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeEach(async () => {
  top = await realpath(await mkdtemp(join(tmpdir(), "xenfs-pages-")));
  exportDir = join(top, "export");
  overlayDir = join(top, "overlays");
  reference = join(top, "reference.bin");
  await mkdir(join(exportDir, "d"), { recursive: true });
  await mkdir(overlayDir);
  baseBytes = pattern(BASE_SIZE, 1);
  await writeFile(join(exportDir, "d/big.bin"), baseBytes);
  await writeFile(reference, baseBytes);
  overlays = new Overlays(new ExportFs(exportDir), overlayDir);
  fs = await overlays.forGuest("guest-p");
});

afterEach(async () => {
  await fs.closeGuest(DOM);
  await rm(top, { recursive: true, force: true });
});

async function whole(overlay: OverlayFs, path: string): Promise<Buffer> {
  const id = await overlay.open(DOM, path, "r");
  try {
    const { size } = await overlay.fstat(DOM, id);
    return Buffer.from(await overlay.read(DOM, id, 0, size));
  } finally {
    await overlay.close(DOM, id);
  }
}

const upperFile = () => join(overlayDir, "guest-p", "d/big.bin");

describe("page-granular copy-up", () => {
  it("a one-byte write costs the upper one page on disk; the rest stays the base's", async () => {
    const id = await fs.open(DOM, "d/big.bin", "r+");
    await fs.write(DOM, id, 5 * PAGE + 10, Buffer.from([0xee]));
    const layout = fs.pageLayout(DOM, id);
    expect(layout?.baseInode).toBeDefined();
    expect(layout?.fromBase(5)).toBe(false);
    expect([0, 4, 6, 39, 40].map((index) => layout?.fromBase(index))).toEqual([true, true, true, true, true]);
    expect(layout?.fromBase(41)).toBe(false); // past the base's end: the upper's
    await fs.close(DOM, id);

    const onDisk = await stat(upperFile());
    expect(onDisk.size).toBe(BASE_SIZE);
    expect(onDisk.blocks * 512).toBeLessThanOrEqual(PAGE);
    const record = JSON.parse(
      await readFile(join(overlayDir, "guest-p", "d", `${PAGE_RECORD_PREFIX}big.bin`), "utf8"),
    );
    expect(record).toMatchObject({ baseSize: BASE_SIZE, changed: [[5, 1]] });

    const expected = Buffer.from(baseBytes);
    expected[5 * PAGE + 10] = 0xee;
    expect(diff(await whole(fs, "d/big.bin"), expected)).toBe("same");
    // The guest's view survives dom0's restart; the base is untouched; the diff says C.
    const again = await new Overlays(new ExportFs(exportDir), overlayDir).forGuest("guest-p");
    expect(diff(await whole(again, "d/big.bin"), expected)).toBe("same");
    expect(diff(await readFile(join(exportDir, "d/big.bin")), baseBytes)).toBe("same");
    expect(await overlays.diff("guest-p")).toEqual([{ kind: "C", path: "d/big.bin" }]);
    // Names starting .wh. are the overlay's: the record is not listed.
    expect((await fs.readdir("d")).entries.map((entry) => entry.name)).toEqual(["big.bin"]);
    await again.closeGuest(DOM);

    // Reset takes the record with the file.
    await fs.closeGuest(DOM);
    await overlays.reset("guest-p");
    expect(await readdir(join(overlayDir, "guest-p"))).toEqual([]);
    expect(diff(await whole(fs, "d/big.bin"), baseBytes)).toBe("same");
  });

  it("a rename copies the whole file up: no record, same bytes", async () => {
    await writeAllAt(fs, "d/big.bin", 3 * PAGE, pattern(100, 9));
    const expected = await whole(fs, "d/big.bin");
    await fs.rename("d/big.bin", "moved.bin");
    expect(diff(await whole(fs, "moved.bin"), expected)).toBe("same");
    expect(
      (await readdir(join(overlayDir, "guest-p", "d"))).filter((n) => n.startsWith(PAGE_RECORD_PREFIX)),
    ).toEqual([]);
    const id = await fs.open(DOM, "moved.bin", "r");
    expect(fs.pageLayout(DOM, id)).toBeUndefined();
    await fs.close(DOM, id);
    expect(diff(await readFile(join(exportDir, "d/big.bin")), baseBytes)).toBe("same");
  });

  it("refuses (EIO) a page-granular file whose base file was replaced, rather than mixing two files", async () => {
    await writeAllAt(fs, "d/big.bin", 0, Buffer.from("x"));
    await rm(join(exportDir, "d/big.bin"));
    await writeFile(join(exportDir, "d/big.bin"), pattern(BASE_SIZE, 2));
    // A filesystem with no birth times tells a file made again on a reused inode by nothing.
    if ((await overlays.base.lstat("d/big.bin")).birthtimeNs === 0n) return;
    await expect(fs.open(DOM, "d/big.bin", "r")).rejects.toMatchObject({ code: "EIO" });
  });

  it("an O_TRUNC open leaves nothing of the base", async () => {
    await writeAllAt(fs, "d/big.bin", 0, Buffer.from("x"));
    const id = await fs.open(DOM, "d/big.bin", "w");
    await fs.ftruncate(DOM, id, 3 * PAGE);
    await fs.close(DOM, id);
    expect(diff(await whole(fs, "d/big.bin"), Buffer.alloc(3 * PAGE))).toBe("same");
  });

  for (const seed of [1, 2, 3]) {
    it(`agrees with a plain file on random writes, appends, truncates and reads (seed ${seed})`, async () => {
      const random = prng(seed);
      const ref = await open(reference, "r+");
      let overlay = fs;
      const log: string[] = [];
      try {
        for (let step = 0; step < 60; step++) {
          const size = (await ref.stat()).size;
          const kind = random();
          if (kind < 0.4) {
            const at = Math.floor(random() * (size + 2 * PAGE));
            const data = pattern(1 + Math.floor(random() * 3 * PAGE), step + 100);
            log.push(`write ${at}+${data.length}`);
            await writeAllAt(overlay, "d/big.bin", at, data);
            await ref.write(data, 0, data.length, at);
          } else if (kind < 0.5) {
            const data = pattern(1 + Math.floor(random() * PAGE), step + 200);
            log.push(`append ${data.length}`);
            const id = await overlay.open(DOM, "d/big.bin", "a");
            await overlay.write(DOM, id, 0, data);
            await overlay.close(DOM, id);
            await ref.write(data, 0, data.length, size);
          } else if (kind < 0.65) {
            const to = Math.floor(random() * (size + PAGE));
            log.push(`ftruncate ${to}`);
            const id = await overlay.open(DOM, "d/big.bin", "r+");
            await overlay.ftruncate(DOM, id, to);
            await overlay.close(DOM, id);
            await ref.truncate(to);
          } else if (kind < 0.75) {
            const to = Math.floor(random() * (size + PAGE));
            log.push(`truncate ${to}`);
            await overlay.truncate("d/big.bin", to);
            await truncate(reference, to);
          } else if (kind < 0.8) {
            log.push("restart");
            await overlay.closeGuest(DOM);
            overlay = await new Overlays(new ExportFs(exportDir), overlayDir).forGuest("guest-p");
          } else {
            const at = Math.floor(random() * size);
            const length = Math.floor(random() * 4 * PAGE);
            log.push(`read ${at}+${length}`);
            const id = await overlay.open(DOM, "d/big.bin", "r");
            const got = Buffer.from(await overlay.read(DOM, id, at, length));
            await overlay.close(DOM, id);
            const want = Buffer.alloc(Math.max(0, Math.min(length, size - at)));
            await ref.read(want, 0, want.length, at);
            expect(diff(got, want), log.join("; ")).toBe("same");
          }
          expect(diff(await whole(overlay, "d/big.bin"), await readFile(reference)), log.join("; ")).toBe(
            "same",
          );
          expect(diff(await readFile(join(exportDir, "d/big.bin")), baseBytes), "base untouched").toBe(
            "same",
          );
        }
      } finally {
        await ref.close();
        if (overlay !== fs) await overlay.closeGuest(DOM);
      }
    });
  }
});

/** Where two byte strings first differ ("same" when they do not): vitest's deep equality is slow on big buffers. */
function diff(got: Uint8Array, want: Uint8Array): string {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const at = got.findIndex((byte, i) => byte !== want[i]);
  return at < 0 ? "same" : `byte ${at} (page ${Math.floor(at / PAGE)}): ${got[at]}, want ${want[at]}`;
}

async function writeAllAt(overlay: OverlayFs, path: string, at: number, data: Uint8Array): Promise<void> {
  const id = await overlay.open(DOM, path, "r+");
  await overlay.write(DOM, id, at, data);
  await overlay.close(DOM, id);
}

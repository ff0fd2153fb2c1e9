// Page flipping against copying in XenFS copy mode (docs/xenfs.md "Page flipping"): random reads
// of 4 KiB and 64 KiB through two copy-mode guests on one host, one asking for page flips
// (XENFS_PAGE_FLIP), one not. Each flip row's baseline is the copy row of its size.
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import { XEN_PAGE_SIZE as PAGE_SIZE } from "@xenfs/proto";
import type { BenchGuest, SharingHost } from "./host.js";
import { MiB } from "./host-memory.js";
import { SIZES } from "./sizes.js";

export const FLIP_FILE = "flip.bin";
const READ_PAGES = [1, 16] as const; // 4 KiB, 64 KiB

async function reads(guest: BenchGuest, pages: number, name: string, frames: () => Promise<number>) {
  const handle = await guest.fs.open(FLIP_FILE, "r");
  const filePages = (SIZES.flipFileMb * MiB) / PAGE_SIZE;
  const buffer = Buffer.alloc(pages * PAGE_SIZE);
  let next = 1;
  try {
    const measured = await measure(
      name,
      async () => {
        for (let i = 0; i < SIZES.flipReads; i++) {
          next = (next * 48271) % 2147483647; // a fixed pseudo-random walk, the same for both guests
          const first = next % (filePages - pages + 1);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, first * PAGE_SIZE);
          if (bytesRead !== buffer.length) throw new Error(`${name}: read ${bytesRead} bytes`);
        }
        return { ops: SIZES.flipReads, bytes: SIZES.flipReads * buffer.length };
      },
      { repeats: SIZES.repeats },
    );
    return { measured, frames: await frames() };
  } finally {
    await handle.close();
  }
}

export async function flipVsCopyRows(host: SharingHost): Promise<ResultRow[]> {
  const copier = await host.guest("copier", { mode: "copy" });
  const flipper = await host.guest("flipper", { mode: "copy", pageFlip: true });
  const frames = async () => (await host.sample()).frames;
  await copier.fs.readFile(FLIP_FILE); // dom0's cache holds the file for both
  const rows: ResultRow[] = [];
  for (const pages of READ_PAGES) {
    const label = `${(pages * PAGE_SIZE) / 1024} KiB`;
    const copy = await reads(copier, pages, `copy mode: random ${label} reads by grant copy`, frames);
    const before = flipper.fs.snapshot().pagesFlippedIn;
    const flip = await reads(flipper, pages, `copy mode: random ${label} reads by page flip`, frames);
    if (flipper.fs.snapshot().pagesFlippedIn === before)
      throw new Error("the flipping guest flipped nothing");
    rows.push(
      rowOf(copy.measured, "opsPerSec", { frames: copy.frames }),
      rowOf(flip.measured, "opsPerSec", { frames: flip.frames, baseline: copy.measured.name }),
      rowOf(flip.measured, "mbPerSec", {
        name: `${flip.measured.name} MB/s`,
        calibration: "memcpy4k",
        frames: flip.frames,
      }),
    );
  }
  return rows;
}

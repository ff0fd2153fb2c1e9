// cow mode's sharing (docs/xenfs.md "cow mode"): N = 1, 2, 4, 8 guests each rewrite 1% of one
// file (pages of their own) and then read all of it. Frames in use and host memory grow by the
// base once plus each guest's written pages, if cow shares what is untouched: the target
// is ≤ base × 1.05 + written pages × 1.1, for frames and for host memory alike. Each N runs on a
// fresh host, so nothing one round cached or copied up counts in the next.
import type { ResultRow } from "@xenfs/bench-kit";
import { XEN_PAGE_SIZE as PAGE_SIZE } from "@xenfs/proto";
import { type BenchGuest, fileBytes, withHost } from "./host.js";
import { MiB } from "./host-memory.js";
import { SIZES } from "./sizes.js";

const FILE = "base.bin";
const READ_CHUNK = 1024 * 1024;

/** The target for N guests that wrote `written` pages in all, in pages. */
export const cowTarget = (basePages: number, writtenPages: number) => basePages * 1.05 + writtenPages * 1.1;

/** Guest g's pages: every hundredth from its own start, so no two guests write the same page. */
function pagesOf(g: number, filePages: number, count: number): number[] {
  const stride = Math.floor(filePages / count);
  return Array.from({ length: count }, (_, i) => (i * stride + g) % filePages);
}

async function rewriteAndRead(
  guest: BenchGuest,
  pages: readonly number[],
  fileLength: number,
): Promise<void> {
  const handle = await guest.fs.open(FILE, "r+");
  try {
    const page = new Uint8Array(PAGE_SIZE).fill(0xa5);
    for (const index of pages) await handle.write(page, 0, PAGE_SIZE, index * PAGE_SIZE);
    // Into one reused buffer: the bench process's heap must not grow by a file per guest, or
    // host memory would count the bench's buffers instead of XenFS's frames.
    const buffer = Buffer.alloc(READ_CHUNK);
    let read = 0;
    for (let got = 1; got > 0 && read < fileLength; read += got)
      ({ bytesRead: got } = await handle.read(buffer, 0, READ_CHUNK, read));
    if (read !== fileLength) throw new Error(`cow guest read ${read} bytes of ${fileLength}`);
  } finally {
    await handle.close();
  }
}

export async function cowRows(): Promise<ResultRow[]> {
  const fileLength = SIZES.cowFileMb * MiB;
  const filePages = fileLength / PAGE_SIZE;
  const perGuest = Math.max(1, Math.round(filePages * SIZES.cowWrittenShare));
  const rows: ResultRow[] = [];
  for (const n of SIZES.cowGuests) {
    // Room for the base cached, every guest's pages, and copy-ups of whole files if cow makes them.
    const cacheMb = 2 * SIZES.cowFileMb + 16;
    const memoryMb = cacheMb + SIZES.cowFileMb + 64;
    const figures = await withHost(
      { files: { [FILE]: fileBytes(SIZES.cowFileMb, 1) }, memoryMb, cacheMb },
      async (host) => {
        const guests = await Promise.all(
          Array.from({ length: n }, (_, g) => host.guest(`cow-${n}-${g + 1}`, { mode: "cow" })),
        );
        const before = await host.sample();
        for (const [g, guest] of guests.entries())
          await rewriteAndRead(guest, pagesOf(g, filePages, perGuest), fileLength);
        const after = await host.sample();
        return { before, after };
      },
    );
    const written = n * perGuest;
    const targetPages = cowTarget(filePages, written);
    const name = `cow ${n} guest${n === 1 ? "" : "s"}, each rewriting 1% of ${SIZES.cowFileMb} MiB`;
    const frames = figures.after.frames - figures.before.frames;
    const memory = (figures.after.memory.totalBytes - figures.before.memory.totalBytes) / MiB;
    rows.push(
      {
        name: `${name}: frames (base ${filePages} + written ${written})`,
        value: frames,
        unit: "frames",
        frames: figures.after.frames,
        target: { op: "<=", value: targetPages },
      },
      {
        name: `${name}: host memory growth`,
        value: memory,
        unit: "MiB",
        target: { op: "<=", value: (targetPages * PAGE_SIZE) / MiB },
      },
    );
  }
  return rows;
}

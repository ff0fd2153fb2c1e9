import { performance } from "node:perf_hooks";

const PAGE = 4096;
// Rotate over a few pages on each side so the copy is not one hot pair of cache lines.
const POOL_PAGES = 64;
const BATCH = 256;
// Below this the clock's resolution is a visible part of the figure.
const MIN_MS = 2;

/** 4 KiB Buffer.copy throughput in MB/s (10^6 bytes), copying at least `totalBytes`. */
export function memcpy4k(totalBytes: number): { readonly mbPerSec: number; readonly bytes: number } {
  const src = Buffer.alloc(PAGE * POOL_PAGES, 0xa5);
  const dst = Buffer.alloc(PAGE * POOL_PAGES);
  let copies = 0;
  const start = performance.now();
  let elapsed = 0;
  while (copies * PAGE < totalBytes || elapsed < MIN_MS) {
    for (let i = 0; i < BATCH; i++, copies++) {
      const from = (copies % POOL_PAGES) * PAGE;
      src.copy(dst, ((copies * 7) % POOL_PAGES) * PAGE, from, from + PAGE);
    }
    elapsed = performance.now() - start;
  }
  if (dst.readUInt32LE(0) !== 0xa5a5a5a5) throw new Error("memcpy calibration copied nothing");
  const bytes = copies * PAGE;
  return { mbPerSec: bytes / 1e6 / (elapsed / 1000), bytes };
}

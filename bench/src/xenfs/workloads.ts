// The reads a reader process runs on command, timed inside the reader itself.
import { performance } from "node:perf_hooks";
import type { FileSource } from "./file-source.js";
import { checkPages, PAGE_BYTES } from "./pages.js";

export interface FileRef {
  readonly path: string;
  /** The id in every page header. */
  readonly id: number;
  readonly bytes: number;
}

/** Reads `file` front to back, checking every page; throws if it is short. */
export async function readWhole(source: FileSource, file: FileRef, chunkBytes: number): Promise<number> {
  const bytes = await source.readSequential(file.path, chunkBytes, (piece, position) =>
    checkPages(piece, position, file.id),
  );
  if (bytes !== file.bytes) throw new Error(`${file.path}: read ${bytes} of ${file.bytes} bytes`);
  return bytes;
}

/**
 * `ops` reads of one page at page-aligned random offsets, `inflight` at a time. Returns each
 * read's latency in milliseconds.
 */
export async function randomPageReads(
  source: FileSource,
  file: FileRef,
  ops: number,
  inflight: number,
  random: () => number,
): Promise<number[]> {
  const pages = Math.floor(file.bytes / PAGE_BYTES);
  const latencies: number[] = [];
  let issued = 0;
  const worker = async () => {
    const target = new Uint8Array(PAGE_BYTES);
    while (issued < ops) {
      issued++;
      const position = Math.floor(random() * pages) * PAGE_BYTES;
      const start = performance.now();
      const bytes = await source.readAt(file.path, target, position);
      latencies.push(performance.now() - start);
      if (bytes !== PAGE_BYTES) throw new Error(`${file.path}@${position}: read ${bytes} bytes`);
      checkPages(target, position, file.id);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return latencies;
}

/** mulberry32: the same offsets in every mode for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Walks `dir` (readdir + stat + read of every file); throws unless it found `files` files. */
export async function walkTree(
  source: FileSource,
  dir: string,
  files: number,
): Promise<{ files: number; bytes: number }> {
  const seen = await source.walk(dir);
  if (seen.files !== files) throw new Error(`${dir}: walked ${seen.files} of ${files} files`);
  return seen;
}

/** Writes a new file of `bytes` and fsyncs it; throws if it is short. */
export async function writeWhole(source: FileSource, path: string, bytes: number, chunkBytes: number) {
  const written = await source.writeSequential(path, bytes, chunkBytes);
  if (written !== bytes) throw new Error(`${path}: wrote ${written} of ${bytes} bytes`);
  return written;
}

/** `count` rounds of create + stat + unlink; the operations done. */
export function metadataOps(source: FileSource, prefix: string, count: number): Promise<number> {
  return source.metadata(prefix, count);
}

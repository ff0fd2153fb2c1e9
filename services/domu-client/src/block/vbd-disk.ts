// The vbd as the disk ext2fs mounts: byte ranges to whole sectors through blkfront, with the
// guest's own cache of the disk in 64 KiB chunks (libext2fs reads one filesystem block at a time;
// a request per block would make block mode slow for no reason a real guest has — its page cache
// and readahead do the same). libext2fs writes even while reading (an inode's atime), so on a
// read-only vbd its writes land in a private overlay of sectors in the guest's memory — each
// guest its own copy — and never reach dom0.
import { BLKIF_SECTOR_SIZE } from "@xenfs/proto";
import type { BlkfrontDriver } from "../blkfront/index.js";
import type { Ext2Disk } from "./ext2fs.js";

const S = BLKIF_SECTOR_SIZE;
const CHUNK_SECTORS = 128;
const CHUNK = CHUNK_SECTORS * S;

export interface VbdDiskOptions {
  /** Bytes of the disk the guest keeps cached; default 32 MiB. */
  readonly cacheBytes?: number;
  /** Told of each request sent to the vbd (a chunk read, a write, a flush). */
  readonly onRequest?: () => void;
  /** Told of each read answered from the cache alone. */
  readonly onLocalRead?: () => void;
}

export class VbdDisk implements Ext2Disk {
  /** Sectors written on a read-only disk: sector number → its 512 bytes. */
  readonly #overlay = new Map<number, Uint8Array>();
  /** Cached chunks, least recently used first. */
  readonly #chunks = new Map<number, Promise<Uint8Array>>();
  readonly #maxChunks: number;
  /** Chunks read from the vbd, for tests. */
  chunkReads = 0;

  constructor(
    private readonly vbd: BlkfrontDriver,
    readonly readonly: boolean,
    private readonly options: VbdDiskOptions = {},
  ) {
    this.#maxChunks = Math.max(1, Math.floor((options.cacheBytes ?? 32 * 1024 * 1024) / CHUNK));
  }

  /** 4 KiB pages of the disk this guest holds: its cache and its overlay, its own copy. */
  get pagesHeld(): number {
    return Math.ceil((this.#chunks.size * CHUNK + this.#overlay.size * S) / 4096);
  }

  /** Sectors held in the overlay. */
  get overlaySectors(): number {
    return this.#overlay.size;
  }

  async read(buffer: Uint8Array, bufferOffset: number, length: number, fileOffset: number): Promise<void> {
    const before = this.chunkReads;
    buffer.set(await this.#bytes(fileOffset, length), bufferOffset);
    if (this.chunkReads === before) this.options.onLocalRead?.();
  }

  async write(buffer: Uint8Array, bufferOffset: number, length: number, fileOffset: number): Promise<void> {
    // A copy, taken now: ext2fs hands a Buffer over its heap (whose slice() would be a view).
    const src = new Uint8Array(buffer.subarray(bufferOffset, bufferOffset + length));
    const first = Math.floor(fileOffset / S);
    const end = Math.ceil((fileOffset + length) / S);
    let sectors: Uint8Array = src;
    if (fileOffset % S !== 0 || length % S !== 0) {
      sectors = await this.#bytes(first * S, (end - first) * S);
      sectors.set(src, fileOffset - first * S);
    }
    if (this.readonly) {
      for (let i = 0; first + i < end; i++) this.#overlay.set(first + i, sectors.slice(i * S, (i + 1) * S));
      return;
    }
    this.options.onRequest?.();
    await this.vbd.write(first, sectors);
    await this.#updateCached(first * S, sectors);
  }

  async flush(): Promise<void> {
    if (this.readonly) return;
    this.options.onRequest?.();
    await this.vbd.flush();
  }

  async discard(): Promise<void> {}

  /** `length` bytes at `offset`, from the cached chunks, with the overlay on top. */
  async #bytes(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    const firstChunk = Math.floor(offset / CHUNK);
    const lastChunk = Math.floor((offset + length - 1) / CHUNK);
    const chunks = [];
    for (let c = firstChunk; c <= lastChunk; c++) chunks.push(this.#chunk(c));
    for (const [k, chunk] of (await Promise.all(chunks)).entries()) {
      const start = (firstChunk + k) * CHUNK;
      const from = Math.max(offset, start);
      const to = Math.min(offset + length, start + chunk.length);
      if (to > from) out.set(chunk.subarray(from - start, to - start), from - offset);
    }
    if (this.#overlay.size > 0) {
      for (let sector = Math.floor(offset / S); sector * S < offset + length; sector++) {
        const held = this.#overlay.get(sector);
        if (!held) continue;
        const from = Math.max(offset, sector * S);
        const to = Math.min(offset + length, (sector + 1) * S);
        out.set(held.subarray(from - sector * S, to - sector * S), from - offset);
      }
    }
    return out;
  }

  #chunk(index: number): Promise<Uint8Array> {
    const held = this.#chunks.get(index);
    if (held) {
      this.#chunks.delete(index);
      this.#chunks.set(index, held);
      return held;
    }
    const first = index * CHUNK_SECTORS;
    const count = Math.min(CHUNK_SECTORS, this.vbd.geometry.sectors - first);
    this.chunkReads++;
    this.options.onRequest?.();
    const reading = this.vbd.read(first, count);
    this.#chunks.set(index, reading);
    reading.catch(() => this.#chunks.delete(index));
    while (this.#chunks.size > this.#maxChunks) {
      const oldest = this.#chunks.keys().next().value as number;
      this.#chunks.delete(oldest);
    }
    return reading;
  }

  /** A write that reached the disk: cached chunks it overlaps take its bytes. */
  async #updateCached(offset: number, data: Uint8Array): Promise<void> {
    for (let c = Math.floor(offset / CHUNK); c * CHUNK < offset + data.length; c++) {
      const held = this.#chunks.get(c);
      if (!held) continue;
      const chunk = await held;
      const start = c * CHUNK;
      const from = Math.max(offset, start);
      const to = Math.min(offset + data.length, start + chunk.length);
      chunk.set(data.subarray(from - offset, to - offset), from - start);
    }
  }
}

// The benchmark's files: every 4 KiB page starts with (file id, page index), so a reader can
// check cheaply, as it goes, that each page came from the right file and place.
import { open } from "node:fs/promises";

export const PAGE_BYTES = 4096;
const HEADER_BYTES = 8;
const WRITE_CHUNK_PAGES = 1024;

export async function writePagedFile(path: string, fileId: number, bytes: number): Promise<void> {
  const handle = await open(path, "w");
  try {
    const chunk = Buffer.alloc(WRITE_CHUNK_PAGES * PAGE_BYTES, 0x5a);
    for (let first = 0; first * PAGE_BYTES < bytes; first += WRITE_CHUNK_PAGES) {
      const length = Math.min(chunk.length, bytes - first * PAGE_BYTES);
      for (let i = 0; i * PAGE_BYTES < length; i++) {
        chunk.writeUInt32LE(fileId, i * PAGE_BYTES);
        chunk.writeUInt32LE(first + i, i * PAGE_BYTES + 4);
      }
      await handle.write(chunk, 0, length, first * PAGE_BYTES);
    }
  } finally {
    await handle.close();
  }
}

/** Throws unless every page header lying whole in `bytes` (read at `position`) is right. */
export function checkPages(bytes: Uint8Array, position: number, fileId: number): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstPage = Math.ceil(position / PAGE_BYTES);
  for (let page = firstPage; ; page++) {
    const at = page * PAGE_BYTES - position;
    if (at + HEADER_BYTES > view.length) return;
    if (view.readUInt32LE(at) !== fileId || view.readUInt32LE(at + 4) !== page) {
      throw new Error(`page ${page} of file ${fileId} read wrong at offset ${position + at}`);
    }
  }
}

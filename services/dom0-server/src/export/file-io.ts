import type { FileHandle } from "node:fs/promises";

/** Read up to `length` bytes at `position`, short only at end of file. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  // Zero-filled, never pooled: the buffer may travel to a guest, and must carry nothing else.
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Write all of `data` at `position` (pwrite may write less than asked); returns the bytes written. */
export async function writeAllAt(handle: FileHandle, position: number, data: Uint8Array): Promise<number> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    if (bytesWritten === 0) break;
    written += bytesWritten;
  }
  return written;
}

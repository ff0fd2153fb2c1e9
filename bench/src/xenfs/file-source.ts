// What a reader reads and writes through: a XenFS mount (shared, copy, cow), a block-mode ext4
// mount, an HTTP file server or an NFS server. The workloads are written once against this; a
// source that cannot run one throws Unsupported, and the bench reports the cell as skipped.
export interface FileSource {
  /** `length` bytes at `position` of `path` into `target`; the bytes read. */
  readAt(path: string, target: Uint8Array, position: number): Promise<number>;
  /** The whole file front to back in `chunkBytes` pieces; calls `seen` on each piece. */
  readSequential(
    path: string,
    chunkBytes: number,
    seen: (bytes: Uint8Array, position: number) => void,
  ): Promise<number>;
  /** Every file under `dir`: readdir, stat each entry, read each file whole (like `git status`). */
  walk(dir: string): Promise<{ files: number; bytes: number }>;
  /** Writes `bytes` to a new file `path` in `chunkBytes` pieces, then fsync; the bytes written. */
  writeSequential(path: string, bytes: number, chunkBytes: number): Promise<number>;
  /** create, stat and unlink `count` empty files `<prefix>-<i>`, one after another; the ops done. */
  metadata(prefix: string, count: number): Promise<number>;
  close(): Promise<void>;
}

/** The workload this source cannot run, and why. */
export class Unsupported extends Error {
  override readonly name = "Unsupported";
  readonly code = "ENOTSUP";
}

/** The bytes a written file holds: a repeating pattern, the same for every source. */
export function writePattern(chunkBytes: number): Buffer {
  const chunk = Buffer.alloc(chunkBytes);
  for (let i = 0; i < chunkBytes; i++) chunk[i] = (i * 31 + 7) & 0xff;
  return chunk;
}

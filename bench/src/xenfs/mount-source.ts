// A FileSource over an fs/promises-shaped mount — a guest's XenFS mount or its block-mode ext4
// mount — used as a program written for `fs` would: FileHandle.read for reads, readdir + stat +
// readFile for a walk, open/write/sync/close for a write, writeFile/stat/unlink for metadata.
import { type FileSource, writePattern } from "./file-source.js";

interface HandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

/** The part of a mount the workloads use; `sync` is absent where the file system has no fsync. */
export interface MountLike {
  open(path: string, flags?: string): Promise<HandleLike>;
  sync?(handle: HandleLike): Promise<void>;
  readdir(path: string): Promise<{ name: string; isDirectory(): boolean }[]>;
  stat(path: string): Promise<{ size: number }>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  unlink(path: string): Promise<void>;
  close(): Promise<void>;
}

export function mountSource(fs: MountLike): FileSource {
  // Random reads keep their file open, as a program doing many reads would.
  const handles = new Map<string, Promise<HandleLike>>();
  const handleOf = (path: string) => {
    let handle = handles.get(path);
    if (!handle) {
      handle = fs.open(path);
      handles.set(path, handle);
    }
    return handle;
  };
  const walk = async (dir: string, total: { files: number; bytes: number }) => {
    for (const entry of await fs.readdir(dir)) {
      const path = `${dir}/${entry.name}`;
      const stats = await fs.stat(path);
      if (entry.isDirectory()) {
        await walk(path, total);
        continue;
      }
      const data = await fs.readFile(path);
      if (data.length !== stats.size) throw new Error(`${path}: read ${data.length} of ${stats.size} bytes`);
      total.files++;
      total.bytes += data.length;
    }
    return total;
  };
  return {
    async readAt(path, target, position) {
      const handle = await handleOf(path);
      return (await handle.read(target, 0, target.length, position)).bytesRead;
    },
    async readSequential(path, chunkBytes, seen) {
      const handle = await fs.open(path);
      const buffer = Buffer.alloc(chunkBytes);
      let position = 0;
      try {
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
          if (bytesRead === 0) return position;
          seen(buffer.subarray(0, bytesRead), position);
          position += bytesRead;
        }
      } finally {
        await handle.close();
      }
    },
    walk: (dir) => walk(dir, { files: 0, bytes: 0 }),
    async writeSequential(path, bytes, chunkBytes) {
      const chunk = writePattern(chunkBytes);
      const handle = await fs.open(path, "w");
      let position = 0;
      try {
        while (position < bytes) {
          const length = Math.min(chunkBytes, bytes - position);
          position += (await handle.write(chunk, 0, length, position)).bytesWritten;
        }
        await fs.sync?.(handle);
      } finally {
        await handle.close();
      }
      return position;
    },
    async metadata(prefix, count) {
      const empty = new Uint8Array(0);
      for (let i = 0; i < count; i++) {
        const path = `${prefix}-${i}`;
        await fs.writeFile(path, empty);
        await fs.stat(path);
        await fs.unlink(path);
      }
      return 3 * count;
    },
    async close() {
      for (const handle of handles.values()) await (await handle).close();
      await fs.close();
    },
  };
}

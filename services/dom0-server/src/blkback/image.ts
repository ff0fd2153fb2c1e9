// A raw disk image file served as a vbd: its size checked against the sector size before any
// guest sees it, then positioned reads and writes, and fdatasync for FLUSH_DISKCACHE.
import { constants, type FileHandle, open } from "node:fs/promises";
import { BLKIF_SECTOR_SIZE } from "@xenfs/proto";
import { VbdError } from "./errors.js";

export class VbdImage {
  private constructor(
    readonly path: string,
    readonly readonly: boolean,
    /** The image's size in 512-byte sectors (the backend's `sectors`). */
    readonly sectors: number,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Opens `path` read-only or read-write. A missing file, a directory, an empty file or one whose
   * size is not a whole number of sectors is refused with a VbdError saying which.
   */
  static async open(path: string, readonly: boolean): Promise<VbdImage> {
    let handle: FileHandle;
    try {
      handle = await open(path, readonly ? constants.O_RDONLY : constants.O_RDWR);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new VbdError("ENOENT", `disk image ${path} does not exist`, { cause });
      if (code === "EACCES" || code === "EROFS" || code === "EPERM")
        throw new VbdError(
          "EACCES",
          `disk image ${path} cannot be opened ${readonly ? "read-only" : "read-write"}: ${code}`,
          { cause },
        );
      if (code === "EISDIR") throw new VbdError("EINVAL", `disk image ${path} is a directory`, { cause });
      throw new VbdError("EIO", `disk image ${path} cannot be opened: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new VbdError("EINVAL", `disk image ${path} is not a regular file`);
      if (stat.size === 0) throw new VbdError("EINVAL", `disk image ${path} is empty`);
      if (stat.size % BLKIF_SECTOR_SIZE !== 0)
        throw new VbdError(
          "EINVAL",
          `disk image ${path} is ${stat.size} bytes, not a multiple of the ${BLKIF_SECTOR_SIZE}-byte sector (truncated?)`,
        );
      return new VbdImage(path, readonly, stat.size / BLKIF_SECTOR_SIZE, handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get bytes(): number {
    return this.sectors * BLKIF_SECTOR_SIZE;
  }

  /** Reads exactly `length` bytes at `position` (inside the image: the caller checked). */
  async read(position: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) throw new VbdError("EIO", `disk image ${this.path} ended at ${position + done}`);
      done += bytesRead;
    }
    return buffer;
  }

  async write(position: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  /** FLUSH_DISKCACHE: what was written reaches the disk. */
  async flush(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

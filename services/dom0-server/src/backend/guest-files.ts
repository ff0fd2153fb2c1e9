import { XenfsRequestError } from "./errors.js";

/** What the backend keeps of a file a guest has open (ExportFs keeps the descriptor). */
export interface GuestFile {
  /** The inode's identity key: the page cache and attribute pages key by it. */
  readonly inode: string;
  /** Opened for reading: map_pages and copy reads are refused otherwise, even from the cache. */
  readonly readable: boolean;
  /** Opened for writing: a shared writable mmap needs it (docs/mmap.md). */
  readonly writable: boolean;
  /** O_APPEND: the kernel puts writes at the end, whatever offset was asked. */
  readonly append: boolean;
}

/** One guest's open files by fd (ExportFs's open-file id). */
export class GuestFiles {
  readonly #files = new Map<number, GuestFile>();

  add(fd: number, file: GuestFile): void {
    this.#files.set(fd, file);
  }

  find(fd: number): GuestFile | undefined {
    return this.#files.get(fd);
  }

  get(fd: number): GuestFile {
    const file = this.#files.get(fd);
    if (file === undefined) throw new XenfsRequestError("EBADF", `no open file ${fd}`);
    return file;
  }

  take(fd: number): GuestFile {
    const file = this.get(fd);
    this.#files.delete(fd);
    return file;
  }

  get size(): number {
    return this.#files.size;
  }
}

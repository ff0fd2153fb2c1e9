// cow mode's guest side of page-granular copy-up (docs/xenfs.md#cow-mode): once dom0 has a write
// (in the guest's overlay), the guest's held pages of the file take it too, through the
// Copy-To-Write fault; a truncate (or an O_TRUNC open) drops the held pages past the new end.
import { O } from "@xenfs/fsproto";
import type { OpenFile } from "../open-file.js";
import type { PageTable } from "./page-table.js";

export class CowWrites {
  constructor(private readonly pages: PageTable) {}

  /** dom0 acknowledged `data` at `position` of `file`. */
  async written(file: OpenFile, data: Uint8Array, position: number): Promise<void> {
    if (file.ino !== undefined) await this.pages.writeHeld(file.ino, position, data);
  }

  /** The file `ino` is `size` bytes now. */
  async truncated(ino: number | undefined, size: number): Promise<void> {
    if (ino !== undefined) await this.pages.truncated(ino, size);
  }

  /** A file was opened; O_TRUNC emptied it. */
  async opened(file: OpenFile): Promise<void> {
    if ((file.flags & O.O_TRUNC) !== 0) await this.truncated(file.ino, 0);
  }
}

// The vbd as the disk ext2fs mounts: byte ranges to whole sectors through blkfront. libext2fs
// writes even while reading (an inode's atime), so on a read-only vbd its writes land in a
// private overlay of sectors in the guest's memory — each guest its own copy, as a guest's page
// cache over a shared read-only disk — and never reach dom0.
import { BLKIF_SECTOR_SIZE } from "@xenfs/proto";
import type { BlkfrontDriver } from "../blkfront/index.js";
import type { Ext2Disk } from "./ext2fs.js";

const S = BLKIF_SECTOR_SIZE;

export class VbdDisk implements Ext2Disk {
  /** Sectors written on a read-only disk: sector number → its 512 bytes. */
  readonly #overlay = new Map<number, Uint8Array>();

  constructor(
    private readonly vbd: BlkfrontDriver,
    readonly readonly: boolean,
  ) {}

  /** Sectors held in the overlay. */
  get overlaySectors(): number {
    return this.#overlay.size;
  }

  async read(buffer: Uint8Array, bufferOffset: number, length: number, fileOffset: number): Promise<void> {
    const data = await this.#sectors(fileOffset, length);
    buffer.set(data.bytes.subarray(data.skip, data.skip + length), bufferOffset);
  }

  async write(buffer: Uint8Array, bufferOffset: number, length: number, fileOffset: number): Promise<void> {
    const src = buffer.subarray(bufferOffset, bufferOffset + length);
    const aligned = fileOffset % S === 0 && length % S === 0;
    const data = aligned
      ? // A copy: ext2fs hands a Buffer over its heap, whose slice() would be a view into it.
        { first: fileOffset / S, skip: 0, bytes: new Uint8Array(src) }
      : await this.#sectors(fileOffset, length);
    if (!aligned) data.bytes.set(src, data.skip);
    if (!this.readonly) {
      await this.vbd.write(data.first, data.bytes);
      return;
    }
    for (let i = 0; i * S < data.bytes.length; i++)
      this.#overlay.set(data.first + i, new Uint8Array(data.bytes.subarray(i * S, (i + 1) * S)));
  }

  async flush(): Promise<void> {
    if (!this.readonly) await this.vbd.flush();
  }

  async discard(): Promise<void> {}

  /** The whole sectors covering [offset, offset+length), overlay applied. */
  async #sectors(
    offset: number,
    length: number,
  ): Promise<{ first: number; skip: number; bytes: Uint8Array }> {
    const first = Math.floor(offset / S);
    const end = Math.ceil((offset + length) / S);
    const bytes = await this.vbd.read(first, end - first);
    if (this.#overlay.size > 0) {
      for (let sector = first; sector < end; sector++) {
        const held = this.#overlay.get(sector);
        if (held) bytes.set(held, (sector - first) * S);
      }
    }
    return { first, skip: offset - first * S, bytes };
  }
}

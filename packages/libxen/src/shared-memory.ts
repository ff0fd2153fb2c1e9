// The host's machine memory as this process reaches it on the shm transport: the hypervisor's
// memory file, opened here and read and written in place with positioned reads and writes
// (synchronous, Node built-ins only). Machine frame mfn is at byte mfn × 4096. Which frames this
// domain may touch is Memory's business; this only moves bytes. Every write in place is followed
// by setting the frames' dirty bytes after the frames (proto's memory-file layout), so the
// hypervisor's log-dirty sees writes it never handles (docs/design.md#log-dirty).
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { dirtyMapOffset, memoryFileBytes, XEN_PAGE_SIZE } from "@xenfs/proto";
import { XenError } from "./errors.js";

/** Where the hypervisor said machine memory is (JoinResult). */
export interface MemoryPlace {
  readonly path: string;
  readonly frames: number;
  readonly ino: number;
}

export const MEMORY_TRANSPORTS = ["shm", "socket"] as const;
export type MemoryTransport = (typeof MEMORY_TRANSPORTS)[number];

let ONES = new Uint8Array(1).fill(1);

function ones(n: number): Uint8Array {
  if (ONES.length < n) ONES = new Uint8Array(n).fill(1);
  return ONES.subarray(0, n);
}

export class SharedMemory {
  #fd: number | undefined;

  private constructor(
    fd: number,
    readonly place: MemoryPlace,
  ) {
    this.#fd = fd;
  }

  /** Opens the file and checks it is the hypervisor's (size and inode); throws when it is not. */
  static open(place: MemoryPlace): SharedMemory {
    const fd = openSync(place.path, "r+");
    try {
      const st = fstatSync(fd);
      if (st.size !== memoryFileBytes(place.frames) || st.ino !== place.ino) {
        throw new Error(
          `${place.path} is ${st.size} bytes, inode ${st.ino}; the hypervisor's is ` +
            `${memoryFileBytes(place.frames)} bytes, inode ${place.ino}`,
        );
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new SharedMemory(fd, place);
  }

  /** Copies `length` bytes of frame `mfn` from `offset` into `target` at `at`. */
  readInto(mfn: number, offset: number, length: number, target: Uint8Array, at: number): void {
    this.#readAt(mfn * XEN_PAGE_SIZE + offset, length, target, at);
  }

  /** One positioned read for a run of consecutive machine frames (they are contiguous in the file). */
  readRun(firstMfn: number, offset: number, length: number, target: Uint8Array, at: number): void {
    this.#readAt(firstMfn * XEN_PAGE_SIZE + offset, length, target, at);
  }

  write(mfn: number, offset: number, data: Uint8Array): void {
    const fd = this.#open();
    const position = mfn * XEN_PAGE_SIZE + offset;
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
    // After the bytes, never before: a mark cleared between them would let this write escape.
    const last = Math.floor((position + Math.max(data.length, 1) - 1) / XEN_PAGE_SIZE);
    const marks = last - mfn + 1;
    const at = dirtyMapOffset(this.place.frames) + mfn;
    done = 0;
    while (done < marks) done += writeSync(fd, ones(marks), done, marks - done, at + done);
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  #readAt(position: number, length: number, target: Uint8Array, at: number): void {
    const fd = this.#open();
    let done = 0;
    while (done < length) {
      const n = readSync(fd, target, at + done, length - done, position + done);
      if (n === 0) throw XenError.errno("EFAULT", "mem_read", `memory file ends at ${position + done}`);
      done += n;
    }
  }

  #open(): number {
    if (this.#fd === undefined) throw XenError.errno("ENOTCONN", "memory", "the memory file is closed");
    return this.#fd;
  }
}

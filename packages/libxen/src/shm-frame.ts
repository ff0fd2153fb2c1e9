// One frame of this domain on the shm transport: its machine frame, read and written in place.
// It stops working (EFAULT) the moment the frame leaves the domain (unmapped, revoked, freed,
// transferred), before the hypervisor may give the frame to anyone else.
import { XenError } from "./errors.js";
import type { FrameAccess } from "./frame-page.js";
import { checkRange } from "./range.js";
import type { SharedMemory } from "./shared-memory.js";

const NO_UPDATES = () => {};

export class ShmFrame implements FrameAccess {
  #valid = true;
  #mfn: number;

  constructor(
    readonly gpfn: number,
    mfn: number,
    readonly readonly: boolean,
    private memory: SharedMemory,
    /** Read-only in place until Memory takes the Copy-To-Write fault (docs/design.md#copy-to-write). */
    readonly copyToWrite = false,
  ) {
    this.#mfn = mfn;
  }

  get mfn(): number {
    return this.#mfn;
  }

  /**
   * The domain was restored: the same frame is now at another machine frame (maybe in another
   * host's memory file). Pages viewing it keep working (docs/migration.md#attach).
   */
  rebind(mfn: number, memory: SharedMemory): void {
    this.#mfn = mfn;
    this.memory = memory;
  }

  get valid(): boolean {
    return this.#valid;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, length, out, 0);
    return out;
  }

  readInto(offset: number, length: number, target: Uint8Array, at: number): void {
    checkRange("mem_read", offset, length);
    this.check("mem_read");
    this.memory.readInto(this.mfn, offset, length, target, at);
  }

  readU32(offset: number): number {
    const bytes = this.read(offset, 4);
    return new DataView(bytes.buffer).getUint32(0, true);
  }

  write(offset: number, data: Uint8Array): void {
    checkRange("mem_write", offset, data.length);
    this.check("mem_write");
    if (this.readonly) throw XenError.errno("EACCES", "mem_write", `frame ${this.gpfn} is mapped read-only`);
    this.memory.write(this.mfn, offset, data);
  }

  /** Peers' writes land in place; there is nothing to apply and so nothing to announce. */
  onUpdate(): () => void {
    return NO_UPDATES;
  }

  invalidate(): void {
    this.#valid = false;
  }

  /** Throws EFAULT once the frame is no longer this domain's. */
  check(op: string): void {
    if (!this.#valid) throw XenError.errno("EFAULT", op, `frame ${this.gpfn} is no longer this domain's`);
  }
}

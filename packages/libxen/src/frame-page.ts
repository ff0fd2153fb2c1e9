// A synchronous view of one frame the domain holds, for shared-memory protocols (rings, flags).
// On the shm transport reads and writes go straight to the frame in host shared memory. On the
// socket transport reads come from the coherent local copy; writes show locally at once and go to
// the hypervisor in issue order without waiting (a refused write is reported on the session's
// 'error' event and by the next awaited Memory call).
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { UpdateListener } from "./frame-cache.js";
import { checkRange } from "./range.js";

/** The shape shared-memory code (e.g. `@xenfs/ring`) runs over. */
export interface SharedPage {
  readonly size: number;
  readU32(offset: number): number;
  writeU32(offset: number, value: number): void;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
}

/** What a page reads through: a coherent copy (socket) or the frame itself (shm). */
export interface FrameAccess {
  readonly valid: boolean;
  read(offset: number, length: number): Uint8Array;
  readU32(offset: number): number;
  onUpdate(listener: UpdateListener): () => void;
}

export type PageWriter = (gpfn: number, offset: number, data: Uint8Array) => void;

export class FramePage implements SharedPage {
  readonly size = XEN_PAGE_SIZE;

  constructor(
    readonly gpfn: number,
    private readonly copy: FrameAccess,
    private readonly writer: PageWriter,
  ) {}

  /** False once the frame left the domain (unmapped, revoked by force, freed): reads then fault. */
  get valid(): boolean {
    return this.copy.valid;
  }

  read(offset: number, length: number): Uint8Array {
    return this.copy.read(offset, length);
  }

  readU32(offset: number): number {
    return this.copy.readU32(offset);
  }

  write(offset: number, data: Uint8Array): void {
    this.writer(this.gpfn, offset, data);
  }

  /** Stores the u32 bit pattern of `value`; an int32 (from `|`, `<<`) is taken as its u32. */
  writeU32(offset: number, value: number): void {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
      throw XenError.errno("EINVAL", "mem_write", `${value} is not a 32-bit value`);
    }
    checkRange("mem_write", offset, 4);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    this.writer(this.gpfn, offset, bytes);
  }

  /**
   * Called after a peer's write to this frame has been applied to the local copy (socket
   * transport; not for this domain's writes). On shm there is no copy: peers' writes are simply
   * there, and the event that follows them is the signal.
   */
  onUpdate(listener: UpdateListener): () => void {
    return this.copy.onUpdate(listener);
  }
}

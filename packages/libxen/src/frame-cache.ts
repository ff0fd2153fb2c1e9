// The domain's coherent copies of frames. The hypervisor orders every write to a frame and sends
// each holder the other writers' updates in that order; a holder's own writes come back as replies
// in the same order. Applying both to `base` as they arrive keeps `base` equal to the hypervisor's
// frame once the wire is quiet. Own writes not yet answered sit in an overlay that local reads
// see (read-your-writes) and move to `base` when their reply arrives.
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { XenError } from "./errors.js";
import { checkRange } from "./range.js";

interface PendingWrite {
  readonly offset: number;
  readonly data: Uint8Array;
}

export type UpdateListener = (offset: number, length: number) => void;

export class FrameCopy {
  readonly #base = new Uint8Array(XEN_PAGE_SIZE);
  readonly #view = new DataView(this.#base.buffer);
  readonly #pending: PendingWrite[] = [];
  readonly #listeners = new Set<UpdateListener>();
  #loaded = false;
  #valid = true;

  constructor(readonly gpfn: number) {}

  /** False once the frame was invalidated or forgotten: the copy no longer tracks the frame. */
  get valid(): boolean {
    return this.#valid;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, length, out, 0);
    return out;
  }

  /** read() straight into `target` at `at`: one copy, no allocation (the cached-read path). */
  readInto(offset: number, length: number, target: Uint8Array, at: number): void {
    checkRange("mem_read", offset, length);
    if (!this.#valid) throw XenError.errno("EFAULT", "mem_read", `frame ${this.gpfn} is no longer held`);
    const out = target.subarray(at, at + length);
    out.set(this.#base.subarray(offset, offset + length));
    for (const write of this.#pending) overlay(out, offset, write);
  }

  /** A little-endian u32, as read() would give its 4 bytes; no copy when no own write is pending. */
  readU32(offset: number): number {
    if (this.#pending.length > 0) {
      const bytes = this.read(offset, 4);
      return (
        ((bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 24)) >>> 0
      );
    }
    checkRange("mem_read", offset, 4);
    if (!this.#valid) throw XenError.errno("EFAULT", "mem_read", `frame ${this.gpfn} is no longer held`);
    return this.#view.getUint32(offset, true);
  }

  /** The fetched contents: they already include every write ordered before the fetch. */
  load(data: Uint8Array): void {
    this.#base.set(data.subarray(0, XEN_PAGE_SIZE));
    this.#loaded = true;
  }

  /** Another writer's update, in hypervisor order. Before the fetch's reply it is already in it. */
  applyUpdate(offset: number, data: Uint8Array): void {
    if (!this.#loaded || !this.#valid) return;
    this.#base.set(data, offset);
    for (const listener of this.#listeners) listener(offset, data.length);
  }

  /** An own write just issued (`data` is not changed afterwards): visible to local reads at once. */
  beginWrite(offset: number, data: Uint8Array): PendingWrite {
    const write = { offset, data };
    this.#pending.push(write);
    return write;
  }

  /** The write's reply arrived: the hypervisor ordered it here. */
  commitWrite(write: PendingWrite): void {
    this.#dropPending(write);
    this.#base.set(write.data, write.offset);
  }

  discardWrite(write: PendingWrite): void {
    this.#dropPending(write);
  }

  /** An own atomic's outcome, known only from its reply. */
  applyOwn(offset: number, data: Uint8Array): void {
    if (this.#loaded) this.#base.set(data, offset);
  }

  onUpdate(listener: UpdateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  invalidate(): void {
    this.#valid = false;
    this.#pending.length = 0;
    this.#listeners.clear();
  }

  #dropPending(write: PendingWrite): void {
    const i = this.#pending.indexOf(write);
    if (i >= 0) this.#pending.splice(i, 1);
  }
}

function overlay(out: Uint8Array, outOffset: number, write: PendingWrite): void {
  const start = Math.max(outOffset, write.offset);
  const end = Math.min(outOffset + out.length, write.offset + write.data.length);
  if (start < end) out.set(write.data.subarray(start - write.offset, end - write.offset), start - outOffset);
}

/** Copies by gpfn. A copy exists from the moment its fetch is issued, so writes issued after the
 *  fetch are overlaid on it rather than lost when the fetched contents land. */
export class FrameCache {
  readonly #frames = new Map<number, FrameCopy>();

  get(gpfn: number): FrameCopy | undefined {
    return this.#frames.get(gpfn);
  }

  /** Starts tracking a frame whose fetch is being issued now. */
  track(gpfn: number): FrameCopy {
    let copy = this.#frames.get(gpfn);
    if (!copy) {
      copy = new FrameCopy(gpfn);
      this.#frames.set(gpfn, copy);
    }
    return copy;
  }

  /** The frames held, by gpfn. */
  gpfns(): number[] {
    return [...this.#frames.keys()];
  }

  /** `frame_update`: ignored for frames not held (a later fetch includes it). */
  applyUpdate(gpfn: number, offset: number, data: Uint8Array): void {
    if (offset + data.length > XEN_PAGE_SIZE) return;
    this.#frames.get(gpfn)?.applyUpdate(offset, data);
  }

  /** `frame_invalidate`, `mem_forget`, unmap, transfer: the copy goes (only `copy`, when given). */
  drop(gpfn: number, copy?: FrameCopy): void {
    const held = this.#frames.get(gpfn);
    if (!held || (copy && held !== copy)) return;
    held.invalidate();
    this.#frames.delete(gpfn);
  }
}

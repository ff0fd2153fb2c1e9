// The frames of a domain being restored, filled as its image arrives (docs/migration.md#restore):
// a page's first batch takes a frame and writes it (runs of consecutive frames in one write), a
// later round's copy of the page overwrites it, an XTAB frees it. The restore then gives the
// frames to the new domain; a refused or broken image gives them all back. Until then they are
// in use (owner DOMID_INVALID), as a Xen restore's memory is allocated while the stream comes.
import type { PageSink } from "@xenfs/libxen/stream";
import { DOMID } from "@xenfs/proto";
import { errno } from "../errors.js";
import type { Frame, FramePool } from "../memory/frame-pool.js";
import { wholePage } from "../memory/memory-file.js";

export class IncomingFrames implements PageSink {
  readonly #frames = new Map<number, Frame>();
  #taken = false;

  constructor(private readonly pool: FramePool) {}

  pages(pfns: readonly number[], pages: readonly Uint8Array[]): void {
    if (this.#taken) throw new Error("pages after the frames were taken");
    const fresh = new Map<number, Uint8Array>();
    for (const [i, pfn] of pfns.entries()) {
      const page = pages[i]!;
      const frame = this.#frames.get(pfn);
      if (frame) frame.write(0, wholePage(page));
      else fresh.set(pfn, page); // a pfn twice in one batch: the later copy
    }
    if (fresh.size === 0) return;
    const frames = this.pool.allocFilled([...fresh.values()], DOMID.INVALID, "ram");
    if (!frames) throw errno("ENOMEM", `${fresh.size} more frames wanted, ${this.pool.free} free`);
    for (const [i, pfn] of [...fresh.keys()].entries()) this.#frames.set(pfn, frames[i]!);
  }

  gone(pfns: readonly number[]): void {
    for (const pfn of pfns) {
      const frame = this.#frames.get(pfn);
      if (!frame) continue;
      this.#frames.delete(pfn);
      this.pool.release(frame);
    }
  }

  /** The frames by pfn, for the restored domain (which sets itself as their owner); no more pages come. */
  take(): ReadonlyMap<number, Frame> {
    this.#taken = true;
    return this.#frames;
  }

  /**
   * The restore did not happen: every frame goes back to the pool — each still this restore's
   * (a frame the restored domain was made with is that domain's, and goes with it).
   */
  release(): void {
    for (const frame of this.#frames.values()) if (frame.owner === DOMID.INVALID) this.pool.release(frame);
    this.#frames.clear();
  }
}

// Frames merged by identical-page sharing (docs/design.md#copy-to-write): owned by DOMID_COW,
// read-only in every sharer's p2m, counted by sharers; the last sharer to go frees the frame.
import { DOMID } from "@xenfs/proto";
import type { Frame, FramePool } from "./frame-pool.js";

export class SharedFrames {
  readonly #frames = new Set<Frame>();

  constructor(private readonly pool: FramePool) {}

  /** Frames owned by DOMID_COW now. */
  get frames(): number {
    return this.#frames.size;
  }

  /** Frames the sharing saves: p2m entries pointing at shared frames, less the frames themselves. */
  get saved(): number {
    let refs = 0;
    for (const frame of this.#frames) refs += frame.sharers;
    return refs - this.#frames.size;
  }

  /** A domain's own frame becomes shared, with that domain as its first sharer. */
  adopt(frame: Frame): void {
    frame.owner = DOMID.COW;
    frame.sharers = 1;
    this.#frames.add(frame);
  }

  isShared(frame: Frame): boolean {
    return frame.owner === DOMID.COW;
  }

  /** One sharer's p2m entry goes (unshared, freed, domain gone); the last one frees the frame. */
  drop(frame: Frame): void {
    if (--frame.sharers > 0) return;
    this.#frames.delete(frame);
    this.pool.release(frame);
  }

  /** The last sharer takes the frame back as its own, without a copy. */
  reclaim(frame: Frame, domid: number): void {
    this.#frames.delete(frame);
    frame.owner = domid;
    frame.sharers = 0;
    frame.shareHandle = 0;
  }
}

// Machine memory: a fixed pool of 4 KiB frames. Frames are zeroed when handed out and never
// exceed the pool. Each frame records who owns it, what it holds, how many foreign mappings pin
// it, and which domains keep a cached copy (and at which of their gpfns) for coherence.
import { XEN_PAGE_SIZE } from "@xenfs/proto";

export type FrameType = "ram" | "grant_table";

export interface Frame {
  readonly mfn: number;
  /** Owning domid; null once the owner gave it up while others still map it. */
  owner: number | null;
  type: FrameType;
  /** Foreign (grant) mappings of this frame. */
  mapCount: number;
  readonly data: Uint8Array;
  /** domid → that domain's gpfns at which it keeps a copy. */
  readonly cachers: Map<number, Set<number>>;
}

export class FramePool {
  private readonly freeMfns: number[];
  private sharedCount = 0;

  constructor(readonly total: number) {
    // Pop from the end, so mfn 0 goes first: handy when reading dumps.
    this.freeMfns = Array.from({ length: total }, (_, i) => total - 1 - i);
  }

  get free(): number {
    return this.freeMfns.length;
  }

  get used(): number {
    return this.total - this.freeMfns.length;
  }

  /** Frames mapped by at least one domain other than their owner. */
  get shared(): number {
    return this.sharedCount;
  }

  /** n zeroed frames, all or none. */
  alloc(n: number, owner: number, type: FrameType): Frame[] | undefined {
    if (n > this.freeMfns.length) return undefined;
    return Array.from({ length: n }, () => ({
      mfn: this.freeMfns.pop()!,
      owner,
      type,
      mapCount: 0,
      data: new Uint8Array(XEN_PAGE_SIZE),
      cachers: new Map<number, Set<number>>(),
    }));
  }

  release(frame: Frame): void {
    if (frame.mapCount !== 0)
      throw new Error(`mfn ${frame.mfn} released while mapped ${frame.mapCount} times`);
    frame.owner = null;
    frame.cachers.clear();
    this.freeMfns.push(frame.mfn);
  }

  pin(frame: Frame): void {
    if (frame.mapCount++ === 0) this.sharedCount++;
  }

  unpin(frame: Frame): void {
    if (--frame.mapCount === 0) this.sharedCount--;
  }
}

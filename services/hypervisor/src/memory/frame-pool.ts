// Machine memory: a fixed pool of 4 KiB frames whose bytes live in the memory file. Frames are
// zeroed when handed out and never exceed the pool. Each frame records who owns it, what it
// holds, how many foreign mappings pin it, and which socket-transport domains keep a cached copy
// (and at which of their gpfns) for coherence; shm domains read the bytes in place and keep none.
import type { XenmemPurpose } from "@xenfs/proto";
import type { MemoryFile } from "./memory-file.js";

export type FrameType = "ram" | "grant_table";
/** mem_annotate's purposes other than plain RAM (XENMEM_PURPOSE). */
export type FramePurpose = Exclude<XenmemPurpose, "ram">;

export class Frame {
  /** Foreign (grant) mappings of this frame, plus force-unmapped ones not yet acknowledged. */
  mapCount = 0;
  /** domid → that domain's gpfns at which it keeps a copy. */
  readonly cachers = new Map<number, Set<number>>();
  /** Made by the Copy-To-Write fault for a grant mapping: counted as a private copy while it lives. */
  privateCopy = false;
  /** mem_sharing: domains whose p2m points at this frame (owner DOMID_COW) while shared. */
  sharers = 0;
  /** mem_sharing: the handle nominate_gfn gave; 0 when not nominated (or gone stale). */
  shareHandle = 0;
  /** What its owner said it uses this RAM frame for (mem_annotate); undefined: plain RAM. */
  purpose: FramePurpose | undefined;

  constructor(
    readonly mfn: number,
    /** Owning domid; null once the owner gave it up while others still map it. */
    public owner: number | null,
    public type: FrameType,
    private readonly file: MemoryFile,
  ) {}

  read(offset: number, length: number): Uint8Array {
    return this.file.read(this.mfn, offset, length);
  }

  write(offset: number, bytes: Uint8Array): void {
    this.file.write(this.mfn, offset, bytes);
  }
}

export class FramePool {
  private readonly freeMfns: number[];
  private sharedCount = 0;
  private privateCount = 0;

  constructor(readonly file: MemoryFile) {
    // Pop from the end, so mfn 0 goes first: handy when reading dumps.
    this.freeMfns = Array.from({ length: file.frames }, (_, i) => file.frames - 1 - i);
  }

  get total(): number {
    return this.file.frames;
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

  /** Frames that are private copies made by the Copy-To-Write fault, now. */
  get privateCopies(): number {
    return this.privateCount;
  }

  /** A frame the fault just made for a grant mapping (counted until released). */
  markPrivateCopy(frame: Frame): void {
    if (frame.privateCopy) return;
    frame.privateCopy = true;
    this.privateCount++;
  }

  /** n zeroed frames, all or none. */
  alloc(n: number, owner: number, type: FrameType): Frame[] | undefined {
    return this.#take(n, owner, type, (mfns) => this.file.zero(mfns));
  }

  /** `pages.length` frames holding those pages (a restore): written once, not zeroed first. */
  allocFilled(pages: readonly Uint8Array[], owner: number, type: FrameType): Frame[] | undefined {
    return this.#take(pages.length, owner, type, (mfns) => this.file.fill(mfns, pages));
  }

  /** `n` free frames, lowest mfn first, their bytes made by `init`; undefined when too few are free. */
  #take(n: number, owner: number, type: FrameType, init: (mfns: number[]) => void): Frame[] | undefined {
    if (n > this.freeMfns.length) return undefined;
    const mfns = this.freeMfns.splice(this.freeMfns.length - n, n).reverse();
    init(mfns);
    return mfns.map((mfn) => new Frame(mfn, owner, type, this.file));
  }

  release(frame: Frame): void {
    if (frame.mapCount !== 0)
      throw new Error(`mfn ${frame.mfn} released while mapped ${frame.mapCount} times`);
    frame.owner = null;
    frame.cachers.clear();
    if (frame.privateCopy) this.privateCount--;
    frame.privateCopy = false;
    frame.sharers = 0;
    frame.shareHandle = 0;
    frame.purpose = undefined;
    this.freeMfns.push(frame.mfn);
  }

  pin(frame: Frame): void {
    if (frame.mapCount++ === 0) this.sharedCount++;
  }

  unpin(frame: Frame): void {
    if (--frame.mapCount === 0) this.sharedCount--;
  }
}

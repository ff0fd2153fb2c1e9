// A domain's v1 grant table: frames of entries the domain writes itself, plus what only Xen
// knows: how many mappings each entry has (to keep GTF_reading/GTF_writing right).
import {
  decodeGrantEntry,
  GRANT_ENTRIES_PER_FRAME,
  GRANT_ENTRY_V1_SIZE,
  type GrantEntryV1,
  XEN_PAGE_SIZE,
} from "@xenfs/proto";
import type { Frame } from "../memory/frame-pool.js";

/** Xen's default max_grant_frames. */
export const MAX_GRANT_FRAMES = 32;

export interface ActiveGrant {
  readers: number;
  writers: number;
}

export class GrantTable {
  readonly frames: { frame: Frame; gpfn: number }[] = [];
  /** ref → mappings of that entry. */
  readonly active = new Map<number, ActiveGrant>();

  get nrEntries(): number {
    return this.frames.length * GRANT_ENTRIES_PER_FRAME;
  }

  validRef(ref: number): boolean {
    return Number.isInteger(ref) && ref >= 0 && ref < this.nrEntries;
  }

  /** The frame holding `ref` and the entry's byte offset in it. */
  locate(ref: number): { frame: Frame; offset: number } {
    const slot = this.frames[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)];
    if (!slot) throw new RangeError(`grant ref ${ref} past the table`);
    return { frame: slot.frame, offset: (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1_SIZE };
  }

  entry(ref: number): GrantEntryV1 {
    const { frame, offset } = this.locate(ref);
    return decodeGrantEntry(frame.read(offset, GRANT_ENTRY_V1_SIZE));
  }

  /** Refs whose permit_access entries point at `gpfn` (a granted frame cannot be transferred). */
  grantsFrame(gpfn: number, isPermit: (e: GrantEntryV1) => boolean): boolean {
    for (const { frame } of this.frames) {
      const page = frame.read(0, XEN_PAGE_SIZE); // one read per table frame, not per entry
      for (let i = 0; i < GRANT_ENTRIES_PER_FRAME; i++) {
        const e = decodeGrantEntry(page.subarray(i * GRANT_ENTRY_V1_SIZE, (i + 1) * GRANT_ENTRY_V1_SIZE));
        if (e.frame === gpfn && isPermit(e)) return true;
      }
    }
    return false;
  }
}

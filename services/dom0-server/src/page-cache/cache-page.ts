import { XEN_PAGE_SIZE } from "@xenfs/proto";

export const PAGE_SIZE = XEN_PAGE_SIZE;

/** One page of one file in one dom0 frame. */
export interface CachePage {
  /** The inode's identity key (`dev:ino`, ExportFs's identityKey). */
  readonly inode: string;
  /** Page index in the file: bytes [index × 4096, (index + 1) × 4096). */
  readonly index: number;
  /** dom0's own frame. */
  readonly gpfn: number;
  /** The read-only grant of this frame to each guest that asked for it, by domid. */
  readonly grants: Map<number, number>;
  /** Grants being made, by domid: a second request for one joins the first. */
  readonly granting: Map<number, Promise<number>>;
  /** Requests using the page right now; a pinned page is never evicted. */
  pins: number;
  /** Out of the index, its grants being ended and its frame freed. */
  reclaiming: boolean;
}

export function pageKey(inode: string, index: number): string {
  return `${inode}#${index}`;
}

/** Pages holding bytes [position, position + length) of a file. */
export function pageSpan(position: number, length: number): { first: number; end: number } {
  return { first: Math.floor(position / PAGE_SIZE), end: Math.ceil((position + length) / PAGE_SIZE) };
}

// The grant copies of a copy-mode read: a grant copy never crosses a frame, so bytes go in
// segments that cross neither a cache page nor a guest page.
import { type CachePage, PAGE_SIZE } from "../../page-cache/index.js";

export interface CopySegment {
  /** The cache frame and where in it the bytes are. */
  readonly gpfn: number;
  readonly pageOffset: number;
  /** Which of the request's guest pages, and where in it. */
  readonly guestPage: number;
  readonly guestOffset: number;
  readonly length: number;
}

/**
 * Segments for the request's bytes [from, total) that lie in `pages` (consecutive pages of the
 * file, the first holding byte `offset + from`), where `offset` is the request's file offset.
 */
export function copySegments(
  offset: number,
  from: number,
  total: number,
  pages: readonly CachePage[],
): CopySegment[] {
  const first = (pages[0] as CachePage).index;
  const end = Math.min(total, (first + pages.length) * PAGE_SIZE - offset);
  const segments: CopySegment[] = [];
  for (let done = from; done < end; ) {
    const at = offset + done;
    const pageOffset = at % PAGE_SIZE;
    const guestOffset = done % PAGE_SIZE;
    const length = Math.min(PAGE_SIZE - pageOffset, PAGE_SIZE - guestOffset, end - done);
    const page = pages[Math.floor(at / PAGE_SIZE) - first] as CachePage;
    segments.push({
      gpfn: page.gpfn,
      pageOffset,
      guestPage: Math.floor(done / PAGE_SIZE),
      guestOffset,
      length,
    });
    done += length;
  }
  return segments;
}

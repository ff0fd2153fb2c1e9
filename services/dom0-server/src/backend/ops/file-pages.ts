// The cache pages of an open file for map_pages: its own inode's, or for a cow guest's
// page-granular upper file (docs/xenfs.md#cow-mode) the base inode's for pages it never changed,
// so those are the very frames every other guest maps.
import { type CachePage, PageCacheError } from "../../page-cache/index.js";
import type { RequestContext } from "../context.js";
import { readerOf } from "./data.js";

/** Pages [first, first + count) of `fd`, pinned (`unpin` each); a shorter prefix when the cache is full. */
export async function acquireFilePages(
  ctx: RequestContext,
  fd: number,
  inode: string,
  first: number,
  count: number,
): Promise<CachePage[]> {
  const { cache } = ctx.host;
  const layout = ctx.overlay?.pageLayout(ctx.domid, fd);
  if (!layout) return cache.acquireRun(inode, first, count, readerOf(ctx, fd));
  const pages: CachePage[] = [];
  try {
    for (let index = first; index < first + count; ) {
      const fromBase = layout.fromBase(index);
      let end = index + 1;
      while (end < first + count && layout.fromBase(end) === fromBase) end++;
      const run = fromBase
        ? await cache.acquireRun(layout.baseInode, index, end - index, layout.readBase)
        : await cache.acquireRun(inode, index, end - index, readerOf(ctx, fd));
      pages.push(...run);
      if (run.length < end - index) break;
      index = end;
    }
    return pages;
  } catch (error) {
    if (error instanceof PageCacheError && pages.length > 0) return pages;
    for (const page of pages) cache.unpin(page);
    throw error;
  }
}

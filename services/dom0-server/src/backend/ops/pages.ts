// map_pages and release_pages: shared mode, where a guest maps the page cache's own frames.
import { type FsRequestOf, grefListCodec } from "@xenfs/fsproto";
import { type CachePage, PAGE_SIZE, PageCacheError } from "../../page-cache/index.js";
import type { OkBody, RequestContext } from "../context.js";
import { readableFile, readerOf } from "./data.js";

export async function mapPages(
  req: FsRequestOf<"map_pages">,
  ctx: RequestContext,
): Promise<OkBody<"map_pages">> {
  const { exportFs, cache } = ctx.host;
  const { inode } = readableFile(ctx, req.fd, "map_pages");
  const { size, version } = await exportFs.fstat(ctx.domid, req.fd);
  const end = Math.min(req.first + req.count, Math.ceil(size / PAGE_SIZE));
  const fill = readerOf(ctx, req.fd);
  const grefs: number[] = [];
  // Pages stay pinned until the answer is complete, so a small cache never evicts (and revokes)
  // pages granted earlier in the same answer.
  const pinned: CachePage[] = [];
  try {
    for (let index = req.first; index < end; index++) {
      try {
        pinned.push(await cache.acquire(inode, index, fill));
      } catch (error) {
        // A cache too small for the whole range answers with what it has: fewer is allowed.
        if (error instanceof PageCacheError && pinned.length > 0) break;
        throw error;
      }
    }
    for (const page of pinned) grefs.push(await cache.grantTo(page, ctx.domid));
  } finally {
    for (const page of pinned) cache.unpin(page);
  }
  if (!req.indirect || grefs.length === 0) return { size, version, pages: { grefs } };
  await ctx.pages.write(req.listGref, grefListCodec.encode(grefs));
  return { size, version, pages: { listGref: req.listGref, count: grefs.length } };
}

export async function releasePages(
  req: FsRequestOf<"release_pages">,
  ctx: RequestContext,
): Promise<OkBody<"release_pages">> {
  await ctx.host.cache.release(ctx.domid, await ctx.pages.refs(req.pages));
  return {};
}

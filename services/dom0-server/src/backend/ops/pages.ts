// map_pages and release_pages: shared and cow mode, where a guest maps the page cache's own frames.
import { type FsRequestOf, grefListCodec } from "@xenfs/fsproto";
import { PAGE_SIZE } from "../../page-cache/index.js";
import type { OkBody, RequestContext } from "../context.js";
import { readableFile } from "./data.js";
import { acquireFilePages } from "./file-pages.js";

/**
 * Grants the cache frames of pages [first, first + count), read-only, filling what is missing
 * in runs. Fewer at end of file, or when the cache is too small for the whole range.
 */
export async function mapPages(
  req: FsRequestOf<"map_pages">,
  ctx: RequestContext,
): Promise<OkBody<"map_pages">> {
  const { cache } = ctx.host;
  const fs = ctx.fs;
  const { inode } = readableFile(ctx, req.fd, "map_pages");
  const { size, version } = await fs.fstat(ctx.domid, req.fd);
  const count = Math.min(req.first + req.count, Math.ceil(size / PAGE_SIZE)) - req.first;
  if (count <= 0) return { size, version, pages: { grefs: [] } };
  // Pinned until the answer is complete, so a small cache never evicts (and revokes) pages
  // granted earlier in the same answer.
  const pages = await acquireFilePages(ctx, req.fd, inode, req.first, count);
  let grefs: number[];
  try {
    grefs = await cache.grantAll(pages, ctx.domid);
  } finally {
    for (const page of pages) cache.unpin(page);
  }
  if (!req.indirect) return { size, version, pages: { grefs } };
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

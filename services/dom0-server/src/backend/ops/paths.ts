// Requests on names: stat, lstat, create/mkdir, unlink, rmdir, rename, chmod, truncate,
// readdir, readlink, symlink, statfs. Paths come out of the guest's pages; ExportFs confines them.
import { dirListCodec, type FsRequestOf, fitDirEntries, pathCodec } from "@xenfs/fsproto";
import { ExportError, type FileStat, identityKey } from "../../export/index.js";
import { copyUp } from "../../overlay/index.js";
import type { OkBody, RequestContext } from "../context.js";
import { XenfsRequestError } from "../errors.js";
import { direntTypeOf, fileAttrsOf, statFsRecordOf, statRecordOf } from "../records.js";

export async function stat(req: FsRequestOf<"stat">, ctx: RequestContext): Promise<OkBody<"stat">> {
  return { stat: statRecordOf(await ctx.fs.stat(await ctx.pages.path(req.path))) };
}

export async function lstat(req: FsRequestOf<"lstat">, ctx: RequestContext): Promise<OkBody<"lstat">> {
  return { stat: statRecordOf(await ctx.fs.lstat(await ctx.pages.path(req.path))) };
}

/** fsif's REQ_CREATE: a file (exclusive, like mknod) or, with `directory`, a directory. */
export async function create(req: FsRequestOf<"create">, ctx: RequestContext): Promise<OkBody<"create">> {
  const path = await ctx.pages.path(req.path);
  if (req.directory) await ctx.fs.mkdir(path, req.mode);
  else await ctx.fs.create(path, req.mode, { exclusive: true });
  return {};
}

export async function unlink(req: FsRequestOf<"unlink">, ctx: RequestContext): Promise<OkBody<"unlink">> {
  const path = await ctx.pages.path(req.path);
  const gone = await ctx.fs.lstat(path);
  const announce = await announced(ctx, path);
  await ctx.fs.unlink(path);
  if (announce) await nameRemoved(ctx, gone);
  return {};
}

export async function rmdir(req: FsRequestOf<"rmdir">, ctx: RequestContext): Promise<OkBody<"rmdir">> {
  await ctx.fs.rmdir(await ctx.pages.path(req.path));
  return {};
}

export async function rename(req: FsRequestOf<"rename">, ctx: RequestContext): Promise<OkBody<"rename">> {
  const from = await ctx.pages.path(req.oldPath);
  const to = await ctx.pages.path(req.newPath);
  const moved = await ctx.fs.lstat(from);
  const replaced = await lstatIfAny(ctx, to);
  const announceMoved = await announced(ctx, from);
  const announceReplaced = replaced !== undefined && (await announced(ctx, to));
  await ctx.fs.rename(from, to);
  if (announceMoved) await ctx.host.attrs.nameStale(identityKey(moved));
  if (announceReplaced && identityKey(replaced) !== identityKey(moved)) await nameRemoved(ctx, replaced);
  return {};
}

export async function chmod(req: FsRequestOf<"chmod">, ctx: RequestContext): Promise<OkBody<"chmod">> {
  const path = await ctx.pages.path(req.path);
  await ctx.fs.chmod(path, req.mode);
  const after = await ctx.fs.stat(path);
  await ctx.host.attrs.update(identityKey(after), fileAttrsOf(after));
  return {};
}

export async function truncate(
  req: FsRequestOf<"truncate">,
  ctx: RequestContext,
): Promise<OkBody<"truncate">> {
  const { locks, cache, attrs } = ctx.host;
  const fs = ctx.fs;
  const path = await ctx.pages.path(req.path);
  // A cow guest truncates its own copy: the base's inode (and its cached pages) stay as they are.
  if (ctx.overlay) await copyUp(ctx.overlay, path);
  const inode = identityKey(await fs.stat(path));
  await locks.run(inode, async () => {
    ctx.host.mmaps.checkTruncate(inode, (await fs.stat(path)).size, req.length);
    await fs.truncate(path, req.length);
    await cache.truncated(inode, req.length);
    await attrs.update(inode, fileAttrsOf(await fs.stat(path)));
  });
  return {};
}

/**
 * One buffer page of the listing from `cookie` on. The cookie counts entries already returned
 * (the listing is sorted by name), so the backend keeps no state between pages.
 */
export async function readdir(req: FsRequestOf<"readdir">, ctx: RequestContext): Promise<OkBody<"readdir">> {
  const { entries } = await ctx.fs.readdir(await ctx.pages.path(req.path));
  const rest = entries
    .slice(req.cookie)
    .map((entry) => ({ name: entry.name, type: direntTypeOf(entry.type) }));
  const count = fitDirEntries(rest, req.buf.length);
  if (count === 0 && rest.length > 0) {
    throw new XenfsRequestError("EINVAL", `a ${req.buf.length}-byte buffer holds no entry`);
  }
  const listing = dirListCodec.encode(rest.slice(0, count));
  await ctx.pages.write(req.buf.gref, listing);
  return { length: listing.length, count, more: count < rest.length, cookie: req.cookie + count };
}

export async function readlink(
  req: FsRequestOf<"readlink">,
  ctx: RequestContext,
): Promise<OkBody<"readlink">> {
  const target = pathCodec.encode(await ctx.fs.readlink(await ctx.pages.path(req.path)));
  if (target.length > req.buf.length) {
    throw new XenfsRequestError("ERANGE", `target of ${target.length} bytes, buffer of ${req.buf.length}`);
  }
  await ctx.pages.write(req.buf.gref, target);
  return { length: target.length };
}

export async function symlink(req: FsRequestOf<"symlink">, ctx: RequestContext): Promise<OkBody<"symlink">> {
  const target = await ctx.pages.path(req.target);
  await ctx.fs.symlink(target, await ctx.pages.path(req.path));
  return {};
}

export async function statfs(_req: FsRequestOf<"statfs">, ctx: RequestContext): Promise<OkBody<"statfs">> {
  return { statfs: statFsRecordOf(await ctx.fs.statfs()) };
}

async function lstatIfAny(ctx: RequestContext, path: string): Promise<FileStat | undefined> {
  try {
    return await ctx.fs.lstat(path);
  } catch (error) {
    if (error instanceof ExportError && error.code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Whether other guests may hear of a change to `path`'s inode: not when it is the base's, seen
 * through a cow guest's overlay (every other guest still has that name and those bytes).
 */
async function announced(ctx: RequestContext, path: string): Promise<boolean> {
  return ctx.overlay === undefined || (await ctx.overlay.probe(path)).upper !== undefined;
}

/**
 * A name of `gone` was removed. Guests holding it open learn the name is stale; when it was the
 * last link its pages leave the cache, since its inode number may come back for a new file.
 */
async function nameRemoved(ctx: RequestContext, gone: FileStat): Promise<void> {
  const inode = identityKey(gone);
  await ctx.host.attrs.nameStale(inode);
  if (gone.type === "file" && gone.nlink <= 1) ctx.host.cache.forget(inode);
}

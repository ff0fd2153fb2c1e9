// open, close, fstat, ftruncate, sync: requests on a guest's open files.
import { decodeOpenFlags, type FsRequestOf } from "@xenfs/fsproto";
import { ExportError, type FileStat, identityKey } from "../../export/index.js";
import type { OkBody, RequestContext } from "../context.js";
import { fileAttrsOf, statRecordOf } from "../records.js";

export async function open(req: FsRequestOf<"open">, ctx: RequestContext): Promise<OkBody<"open">> {
  const { locks, cache, attrs } = ctx.host;
  const fs = ctx.fs;
  const path = await ctx.pages.path(req.path);
  const mode = decodeOpenFlags(req.flags);
  if (mode.noFollow) await refuseSymlink(ctx, path);
  if (mode.directory && (await fs.stat(path)).type !== "dir") {
    throw new ExportError("ENOTDIR", { syscall: "open", path, reason: "O_DIRECTORY on a non-directory" });
  }
  if (mode.truncate) await refuseTruncateOfMapped(ctx, path);
  // O_TRUNC empties the file under its lock, the records told first: no page fill reads the
  // emptied disk, and no guest reads the old length over emptied frames (docs/chaos.md#bugs-found).
  const fd = await fs.open(ctx.domid, path, mode.name, req.mode, (inode, size, truncate) =>
    locks.run(inode, async () => {
      await attrs.update(inode, { size: 0 });
      try {
        await truncate();
      } catch (error) {
        await attrs.update(inode, { size });
        throw error;
      }
      await cache.truncated(inode, 0);
    }),
  );
  try {
    const inode = identityKey(await fs.fstat(ctx.domid, fd));
    const at = await locks.run(inode, async () => {
      // Under the lock: no write of this file slips between the stat and the record.
      const stat = await fs.fstat(ctx.domid, fd);
      if (mode.truncate) await cache.truncated(inode, stat.size);
      return attrs.openFile(ctx.domid, inode, fileAttrsOf(stat));
    });
    ctx.files.add(fd, { inode, readable: mode.readable, writable: mode.writable, append: mode.append });
    return { fd, attrGref: at.gref, attrIndex: at.index };
  } catch (error) {
    await fs.close(ctx.domid, fd).catch(() => {});
    throw error;
  }
}

/** O_TRUNC of a file a guest maps is refused as truncate is (docs/mmap.md), before it happens. */
async function refuseTruncateOfMapped(ctx: RequestContext, path: string): Promise<void> {
  let stat: FileStat;
  try {
    stat = await ctx.fs.stat(path);
  } catch {
    return; // no such file (yet): nothing maps it; the open reports anything else
  }
  ctx.host.mmaps.checkTruncate(identityKey(stat), stat.size, 0);
}

async function refuseSymlink(ctx: RequestContext, path: string): Promise<void> {
  let stat: FileStat;
  try {
    stat = await ctx.fs.lstat(path);
  } catch (error) {
    if (error instanceof ExportError && error.code === "ENOENT") return; // O_CREAT may make it
    throw error;
  }
  if (stat.type === "symlink") {
    throw new ExportError("ELOOP", { syscall: "open", path, reason: "O_NOFOLLOW on a symlink" });
  }
}

export async function close(req: FsRequestOf<"close">, ctx: RequestContext): Promise<OkBody<"close">> {
  const file = ctx.files.take(req.fd);
  try {
    await ctx.fs.close(ctx.domid, req.fd);
  } finally {
    await ctx.host.attrs.closeFile(ctx.domid, file.inode);
  }
  return {};
}

export async function fstat(req: FsRequestOf<"fstat">, ctx: RequestContext): Promise<OkBody<"fstat">> {
  ctx.files.get(req.fd);
  return { stat: statRecordOf(await ctx.fs.fstat(ctx.domid, req.fd)) };
}

export async function ftruncate(
  req: FsRequestOf<"ftruncate">,
  ctx: RequestContext,
): Promise<OkBody<"ftruncate">> {
  const { locks, cache, attrs } = ctx.host;
  const fs = ctx.fs;
  const { inode } = ctx.files.get(req.fd);
  await locks.run(inode, async () => {
    const { size } = await fs.fstat(ctx.domid, req.fd);
    ctx.host.mmaps.checkTruncate(inode, size, req.length);
    // A shrink is in the records before any frame is emptied (as Linux sets i_size first).
    if (req.length < size) await attrs.update(inode, { size: req.length });
    try {
      await fs.ftruncate(ctx.domid, req.fd, req.length);
    } catch (error) {
      await attrs.update(inode, { size });
      throw error;
    }
    await cache.truncated(inode, req.length);
    await attrs.update(inode, fileAttrsOf(await fs.fstat(ctx.domid, req.fd)));
  });
  return {};
}

export async function sync(req: FsRequestOf<"sync">, ctx: RequestContext): Promise<OkBody<"sync">> {
  ctx.files.get(req.fd);
  await ctx.fs.sync(ctx.domid, req.fd);
  return {};
}

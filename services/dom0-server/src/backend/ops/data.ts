// read and write in copy mode (the 9P-style baseline): bytes travel by GNTTABOP_copy between
// the page cache's frames and the guest's own granted pages; nothing is shared.
import type { FsRequestOf } from "@xenfs/fsproto";
import { PAGE_SIZE, type PageReader, pageSpan } from "../../page-cache/index.js";
import type { OkBody, RequestContext } from "../context.js";
import { XenfsRequestError } from "../errors.js";
import type { GuestFile } from "../guest-files.js";
import { fileAttrsOf } from "../records.js";
import { type CopySegment, copySegments } from "./copy-segments.js";
import { readByFlip } from "./flip.js";

/** Fills cache pages of a guest's open file from disk. */
export function readerOf(ctx: RequestContext, fd: number): PageReader {
  return (position, length) => ctx.fs.read(ctx.domid, fd, position, length);
}

export function readableFile(ctx: RequestContext, fd: number, syscall: string): GuestFile {
  const file = ctx.files.get(fd);
  if (!file.readable) throw new XenfsRequestError("EBADF", `${syscall}: file ${fd} is not open for reading`);
  return file;
}

/** Where a copy segment's bytes go: a guest's granted page, or a frame of dom0's own. */
type CopyTarget = Parameters<RequestContext["host"]["dom0"]["grants"]["copy"]>[1];

/**
 * The bytes [offset, offset + total) of the request's open file, from the page cache (filled
 * from disk as needed) to `target(segment)` by GNTTABOP_copy, as many cache pages at once as the
 * cache gives (their copies leave together).
 */
export async function copyFromCache(
  ctx: RequestContext,
  req: { readonly fd: number; readonly offset: number },
  inode: GuestFile["inode"],
  total: number,
  target: (segment: CopySegment) => CopyTarget,
): Promise<void> {
  const { cache, dom0 } = ctx.host;
  const fill = readerOf(ctx, req.fd);
  for (let done = 0; done < total; ) {
    const { first, end } = pageSpan(req.offset + done, total - done);
    const pages = await cache.acquireRun(inode, first, end - first, fill);
    try {
      const segments = copySegments(req.offset, done, total, pages);
      await Promise.all(
        segments.map((segment) =>
          dom0.grants.copy(
            { gpfn: segment.gpfn, offset: segment.pageOffset },
            target(segment),
            segment.length,
          ),
        ),
      );
      for (const segment of segments) done += segment.length;
    } finally {
      for (const page of pages) cache.unpin(page);
    }
  }
}

export async function read(req: FsRequestOf<"read">, ctx: RequestContext): Promise<OkBody<"read">> {
  if (ctx.flips) return readByFlip(req, ctx, ctx.flips);
  const { inode } = readableFile(ctx, req.fd, "read");
  const refs = await ctx.pages.refs(req.pages);
  const { size } = await ctx.fs.fstat(ctx.domid, req.fd);
  const total = Math.max(0, Math.min(req.len, size - req.offset));
  await copyFromCache(ctx, req, inode, total, (segment) => ({
    ref: refs[segment.guestPage] as number,
    domid: ctx.domid,
    offset: segment.guestOffset,
  }));
  return { bytes: total };
}

export async function write(req: FsRequestOf<"write">, ctx: RequestContext): Promise<OkBody<"write">> {
  const file = ctx.files.get(req.fd);
  const refs = await ctx.pages.refs(req.pages);
  const data = new Uint8Array(req.len);
  for (let at = 0; at < req.len; at += PAGE_SIZE) {
    const ref = refs[at / PAGE_SIZE] as number;
    data.set(await ctx.pages.read(ref, Math.min(PAGE_SIZE, req.len - at)), at);
  }
  return { bytes: await writeThrough(ctx, req.fd, file, req.offset, data) };
}

/** A write's bytes, however they came: to disk, then the cache's frames, then the attribute record. */
export async function writeThrough(
  ctx: RequestContext,
  fd: number,
  file: GuestFile,
  offset: number,
  data: Uint8Array,
): Promise<number> {
  const { cache, attrs, locks } = ctx.host;
  const fs = ctx.fs;
  return locks.run(file.inode, async () => {
    // Disk first (fdatasync'd), then the frames guests hold, then the attribute record: by the
    // time the response's event arrives, every guest's copy already has all three.
    const bytes = await fs.write(ctx.domid, fd, offset, data);
    const stat = await fs.fstat(ctx.domid, fd);
    const position = file.append ? stat.size - bytes : offset;
    await cache.written(file.inode, position, data.subarray(0, bytes));
    await attrs.update(file.inode, fileAttrsOf(stat));
    return bytes;
  });
}

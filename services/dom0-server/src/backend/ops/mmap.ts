// mmap, msync, munmap: shared mappings of the page cache's frames (docs/mmap.md).
import { type FsRequestOf, grefListCodec } from "@xenfs/fsproto";
import type { OkBody, RequestContext } from "../context.js";
import { XenfsRequestError } from "../errors.js";
import { readableFile, readerOf } from "./data.js";

export async function mmap(req: FsRequestOf<"mmap">, ctx: RequestContext): Promise<OkBody<"mmap">> {
  const file = readableFile(ctx, req.fd, "mmap");
  // As Linux: a shared writable mapping needs a file open for writing too (EACCES).
  if (req.writable && !file.writable) {
    throw new XenfsRequestError("EACCES", `mmap: file ${req.fd} is not open for writing`);
  }
  const { version, size } = await ctx.fs.fstat(ctx.domid, req.fd);
  const grefs = await ctx.host.mmaps.map({
    domid: ctx.domid,
    fd: req.fd,
    fs: ctx.fs,
    inode: file.inode,
    first: req.first,
    count: req.count,
    writable: req.writable,
    fill: readerOf(ctx, req.fd),
  });
  if (!req.indirect) return { size, version, pages: { grefs } };
  await ctx.pages.write(req.listGref, grefListCodec.encode(grefs));
  return { size, version, pages: { listGref: req.listGref, count: grefs.length } };
}

export async function msync(req: FsRequestOf<"msync">, ctx: RequestContext): Promise<OkBody<"msync">> {
  ctx.files.get(req.fd);
  await ctx.host.mmaps.msync(ctx.domid, req.fd, req.first, req.count);
  return {};
}

export async function munmap(req: FsRequestOf<"munmap">, ctx: RequestContext): Promise<OkBody<"munmap">> {
  await ctx.host.mmaps.unmap(ctx.domid, await ctx.pages.refs(req.pages));
  return {};
}

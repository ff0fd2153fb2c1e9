// read and write in copy mode (the 9P-style baseline): bytes travel by GNTTABOP_copy between
// the page cache's frames and the guest's own granted pages; nothing is shared.
import type { FsRequestOf } from "@xenfs/fsproto";
import { PAGE_SIZE, type PageReader } from "../../page-cache/index.js";
import type { OkBody, RequestContext } from "../context.js";
import { XenfsRequestError } from "../errors.js";
import type { GuestFile } from "../guest-files.js";
import { fileAttrsOf } from "../records.js";

/** Fills cache pages of a guest's open file from disk. */
export function readerOf(ctx: RequestContext, fd: number): PageReader {
  return (position, length) => ctx.host.exportFs.read(ctx.domid, fd, position, length);
}

export function readableFile(ctx: RequestContext, fd: number, syscall: string): GuestFile {
  const file = ctx.files.get(fd);
  if (!file.readable) throw new XenfsRequestError("EBADF", `${syscall}: file ${fd} is not open for reading`);
  return file;
}

export async function read(req: FsRequestOf<"read">, ctx: RequestContext): Promise<OkBody<"read">> {
  const { exportFs, cache, dom0 } = ctx.host;
  const { inode } = readableFile(ctx, req.fd, "read");
  const refs = await ctx.pages.refs(req.pages);
  const { size } = await exportFs.fstat(ctx.domid, req.fd);
  const total = Math.max(0, Math.min(req.len, size - req.offset));
  const fill = readerOf(ctx, req.fd);
  // Segments that cross neither a cache page nor a guest page: a grant copy never crosses a frame.
  for (let done = 0; done < total; ) {
    const at = req.offset + done;
    const pageOffset = at % PAGE_SIZE;
    const guestOffset = done % PAGE_SIZE;
    const length = Math.min(PAGE_SIZE - pageOffset, PAGE_SIZE - guestOffset, total - done);
    const ref = refs[Math.floor(done / PAGE_SIZE)] as number;
    const page = await cache.acquire(inode, Math.floor(at / PAGE_SIZE), fill);
    try {
      await dom0.grants.copy(
        { gpfn: page.gpfn, offset: pageOffset },
        { ref, domid: ctx.domid, offset: guestOffset },
        length,
      );
    } finally {
      cache.unpin(page);
    }
    done += length;
  }
  return { bytes: total };
}

export async function write(req: FsRequestOf<"write">, ctx: RequestContext): Promise<OkBody<"write">> {
  const { exportFs, cache, attrs, locks } = ctx.host;
  const file = ctx.files.get(req.fd);
  const refs = await ctx.pages.refs(req.pages);
  const data = new Uint8Array(req.len);
  for (let at = 0; at < req.len; at += PAGE_SIZE) {
    const ref = refs[at / PAGE_SIZE] as number;
    data.set(await ctx.pages.read(ref, Math.min(PAGE_SIZE, req.len - at)), at);
  }
  const written = await locks.run(file.inode, async () => {
    // Disk first (fdatasync'd), then the frames guests hold, then the attribute record: by the
    // time the response's event arrives, every guest's copy already has all three.
    const bytes = await exportFs.write(ctx.domid, req.fd, req.offset, data);
    const stat = await exportFs.fstat(ctx.domid, req.fd);
    const position = file.append ? stat.size - bytes : req.offset;
    await cache.written(file.inode, position, data.subarray(0, bytes));
    await attrs.update(file.inode, fileAttrsOf(stat));
    return bytes;
  });
  return { bytes: written };
}

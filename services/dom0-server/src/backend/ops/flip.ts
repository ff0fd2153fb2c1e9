// Copy mode with page flipping (docs/xenfs.md "Page flipping"). A read's pages are the guest's
// accept_transfer refs: dom0 fills fresh frames of its own from the page cache and transfers
// them, never a page-cache frame itself (other guests may map it, and the cache keeps it). A
// write_flip's pages are refs dom0 offered (flip_refs) that the guest transferred whole pages
// into: dom0 takes the bytes to disk and gives the frames back to Xen.
import { type FsRequestOf, grefListCodec, PAGE_SIZE } from "@xenfs/fsproto";
import type { OkBody, RequestContext } from "../context.js";
import { XenfsRequestError } from "../errors.js";
import type { GuestFlips } from "../flip/guest-flips.js";
import { copyFromCache, readableFile, writeThrough } from "./data.js";

function flipsOf(ctx: RequestContext, op: string): GuestFlips {
  if (!ctx.flips) throw new XenfsRequestError("ENOTSUP", `${op}: the guest did not ask for page flipping`);
  return ctx.flips;
}

export async function readByFlip(
  req: FsRequestOf<"read">,
  ctx: RequestContext,
  flips: GuestFlips,
): Promise<OkBody<"read">> {
  const { dom0 } = ctx.host;
  const { inode } = readableFile(ctx, req.fd, "read");
  const refs = await ctx.pages.refs(req.pages);
  const { size } = await ctx.fs.fstat(ctx.domid, req.fd);
  const total = Math.max(0, Math.min(req.len, size - req.offset));
  if (total === 0) return { bytes: 0 };
  const fresh = await dom0.memory.populatePhysmap(Math.ceil(total / PAGE_SIZE));
  const kept = new Set(fresh);
  try {
    await copyFromCache(ctx, req, inode, total, (segment) => ({
      gpfn: fresh[segment.guestPage] as number,
      offset: segment.guestOffset,
    }));
    // A refused transfer (the guest's reservation full) leaves that frame dom0's to free.
    const sent = await Promise.allSettled(
      fresh.map(async (gpfn, i) => {
        await dom0.grants.transfer(gpfn, flips.domid, refs[i] as number);
        kept.delete(gpfn);
      }),
    );
    const refused = sent.find((outcome) => outcome.status === "rejected");
    if (refused) throw refused.reason;
  } finally {
    if (kept.size > 0) await dom0.memory.decreaseReservation([...kept]);
  }
  return { bytes: total };
}

export async function writeFlip(
  req: FsRequestOf<"write_flip">,
  ctx: RequestContext,
): Promise<OkBody<"write_flip">> {
  const flips = flipsOf(ctx, "write_flip");
  const refs = await ctx.pages.refs(req.pages);
  // The frames come first, whatever the request's fate: each one is dom0's to free from now on.
  const gpfns = await flips.receive(refs);
  let data: Uint8Array;
  try {
    data = new Uint8Array(gpfns.length * PAGE_SIZE);
    const pages = await Promise.all(gpfns.map((gpfn) => ctx.host.dom0.memory.read(gpfn, 0, PAGE_SIZE)));
    for (const [i, page] of pages.entries()) data.set(page, i * PAGE_SIZE);
  } finally {
    await ctx.host.dom0.memory.decreaseReservation(gpfns);
  }
  if (req.len !== gpfns.length * PAGE_SIZE)
    throw new XenfsRequestError("EINVAL", `write_flip: ${req.len} bytes are not ${gpfns.length} whole pages`);
  const file = ctx.files.get(req.fd);
  return { bytes: await writeThrough(ctx, req.fd, file, req.offset, data) };
}

export async function flipRefs(
  req: FsRequestOf<"flip_refs">,
  ctx: RequestContext,
): Promise<OkBody<"flip_refs">> {
  const flips = flipsOf(ctx, "flip_refs");
  const refs = await flips.offer(req.count);
  if (refs.length === 0)
    throw new XenfsRequestError("EAGAIN", "flip_refs: the guest holds as many refs as it may");
  await ctx.pages.write(req.buf.gref, grefListCodec.encode(refs));
  return { count: refs.length };
}

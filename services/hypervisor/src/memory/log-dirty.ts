// XEN_DOMCTL_shadow_op's log-dirty subset (paging_log_dirty_op in Xen): dom0 turns tracking on
// for a domain, then peeks at or cleans (reads and clears) the bitmap of its pfns dirtied since.
// A frame is dirty when anyone wrote it: the domain or a peer in place (shm, marked in the memory
// file after the write), or through the hypervisor (socket, grant copy, Xen's own writes), or it
// was handed out. Clearing a mark before the caller copies the frame keeps the set exact:
// docs/design.md#log-dirty.
import { XEN_DOMCTL_SHADOW_OP } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";
import type { Xen } from "../xen.js";
import { P2M_LIMIT } from "./p2m.js";

export interface DirtyBitmap {
  readonly bitmap: Uint8Array;
  readonly pages: number;
  readonly dirtyCount: number;
}

/** The domain's own frames (RAM and grant table) by pfn below `pages`. */
function ownFrames(domain: Domain, pages: number): Array<[number, number]> {
  const frames: Array<[number, number]> = [];
  for (const [gpfn, entry] of domain.p2m)
    if (!entry.foreign && gpfn < pages) frames.push([gpfn, entry.frame.mfn]);
  return frames;
}

/** Reads (and with `clean`, clears) the dirty marks of the domain's pfns below `pages`. */
export function dirtyBitmap(xen: Xen, domain: Domain, pages: number, clean: boolean): DirtyBitmap {
  const marks = xen.memory.file.readDirty();
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const cleared: number[] = [];
  for (const [gpfn, mfn] of ownFrames(domain, pages)) {
    if (!marks[mfn]) continue;
    bitmap[gpfn >> 3]! |= 1 << (gpfn & 7);
    cleared.push(mfn);
  }
  if (clean) xen.memory.file.clearDirty(cleared);
  return { bitmap, pages, dirtyCount: cleared.length };
}

export const shadowOp: Handler<"shadowOp"> = (xen, caller, { op, domain: domid, pages }) => {
  if (!caller.privileged) throw errno("EPERM", "shadow_op is for dom0 only");
  const domain = xen.domains.live(domid);
  if (!domain) throw errno("ESRCH", `no domain ${domid}`);
  if (domain.privileged) throw errno("EINVAL", "dom0 cannot track its own dirty frames");
  switch (op) {
    case XEN_DOMCTL_SHADOW_OP.ENABLE_LOGDIRTY: {
      if (domain.logDirty) throw errno("EINVAL", `log-dirty is already on for dom${domid}`);
      // Tracking starts clean: what was written before is the caller's first full copy.
      dirtyBitmap(xen, domain, P2M_LIMIT, true);
      domain.logDirty = true;
      return undefined;
    }
    case XEN_DOMCTL_SHADOW_OP.OFF:
      domain.logDirty = false;
      return undefined;
    case XEN_DOMCTL_SHADOW_OP.PEEK:
    case XEN_DOMCTL_SHADOW_OP.CLEAN: {
      if (!domain.logDirty) throw errno("EINVAL", `log-dirty is off for dom${domid}`);
      if (!Number.isInteger(pages) || pages < 1 || pages > P2M_LIMIT)
        throw errno("EINVAL", `pages ${pages}: 1 … ${P2M_LIMIT}`);
      const dirty = dirtyBitmap(xen, domain, pages, op === XEN_DOMCTL_SHADOW_OP.CLEAN);
      return { shadowOp: { dirtyBitmap: dirty.bitmap, pages: dirty.pages, dirtyCount: dirty.dirtyCount } };
    }
    default:
      throw errno("EINVAL", `shadow op ${op} is not supported (log-dirty only)`);
  }
};

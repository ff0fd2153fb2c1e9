// GNTTABOP_copy: each side a grant reference or the caller's own frame; never across a page.
import { GNTCOPY, GTF, xen as wire, XEN_PAGE_SIZE } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { gntst } from "../errors.js";
import type { Handler } from "../handler.js";
import type { Frame } from "../memory/frame-pool.js";
import { P2m } from "../memory/p2m.js";
import type { Xen } from "../xen.js";

function claim(xen: Xen, caller: Domain, ptr: wire.GnttabCopyPtr, byGref: boolean, write: boolean): Frame {
  const domid = xen.resolve(caller, ptr.domid);
  if (!byGref && domid !== caller.domid && !caller.privileged) {
    throw gntst("permission_denied", `only dom0 may copy to or from dom${domid}'s frames by gpfn`);
  }
  const owner = xen.domains.live(domid);
  if (!owner) throw gntst("bad_domain", `no domain ${domid}`);
  if (!byGref) {
    const entry = P2m.valid(ptr.gmfn) ? owner.p2m.get(ptr.gmfn) : undefined;
    if (!entry || (write && entry.readonly && !entry.cow))
      throw gntst("bad_page", `gpfn ${ptr.gmfn} is not a usable frame of dom${domid}`);
    // A write into a copy-to-write page takes the fault (the source was claimed first).
    return write && entry.cow ? xen.cow.fault(owner, ptr.gmfn, entry).frame : entry.frame;
  }
  if (!owner.grantTable.validRef(ptr.ref))
    throw gntst("bad_gntref", `ref ${ptr.ref} past the table of dom${domid}`);
  const grant = owner.grantTable.entry(ptr.ref);
  if ((grant.flags & GTF.type_mask) !== GTF.permit_access || grant.domid !== caller.domid) {
    throw gntst("general_error", `ref ${ptr.ref} does not permit access to dom${caller.domid}`);
  }
  if (write && (grant.flags & GTF.readonly) !== 0)
    throw gntst("general_error", `ref ${ptr.ref} is read-only`);
  const target = owner.p2m.get(grant.frame);
  if (!target || target.foreign || target.frame.type !== "ram") {
    throw gntst("general_error", `ref ${ptr.ref} names gpfn ${grant.frame}, not RAM of dom${domid}`);
  }
  return write && target.cow ? xen.cow.fault(owner, grant.frame, target).frame : target.frame;
}

export const gnttabCopy: Handler<"gnttabCopy"> = (xen, caller, args) => {
  const source = wire.GnttabCopyPtr.create(args.source ?? {});
  const dest = wire.GnttabCopyPtr.create(args.dest ?? {});
  const { len, flags } = args;
  if (source.offset + len > XEN_PAGE_SIZE || dest.offset + len > XEN_PAGE_SIZE) {
    throw gntst("bad_copy_arg", "copy beyond page area");
  }
  const from = claim(xen, caller, source, (flags & GNTCOPY.source_gref) !== 0, false);
  const to = claim(xen, caller, dest, (flags & GNTCOPY.dest_gref) !== 0, true);
  // No writer is excluded: the caller did not see the bytes, so its own copy needs them too.
  xen.memory.writeFrame(to, dest.offset, from.read(source.offset, len));
  return undefined;
};

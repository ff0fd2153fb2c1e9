// mem_copy_to_write (the Copy-To-Write fault as a hypercall, for shm writers) and
// XENMEM_sharing_op (nominate_gfn, share; the privileged domain only). docs/design.md#copy-to-write
import { XENMEM_SHARING_OP } from "@xenfs/proto";
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";
import { entryAt, MAX_TRANSLATE } from "./ops.js";

export const memCopyToWrite: Handler<"memCopyToWrite"> = (xen, caller, { gpfns }) => {
  if (gpfns.length > MAX_TRANSLATE) throw errno("E2BIG", `${gpfns.length} gpfns > ${MAX_TRANSLATE}`);
  if (new Set(gpfns).size !== gpfns.length) throw errno("EINVAL", "a gpfn is listed twice");
  const entries = gpfns.map((gpfn) => entryAt(caller, gpfn));
  entries.forEach((entry, i) => {
    if (entry.readonly && !entry.cow) throw errno("EACCES", `gpfn ${gpfns[i]} is mapped read-only`);
  });
  const needed = entries.filter((entry) => xen.cow.needsFrame(entry)).length;
  if (caller.owned.size + needed > caller.maxFrames)
    throw errno("ENOMEM", `copy-to-write of ${needed} pages exceeds dom${caller.domid}'s reservation`);
  if (needed > xen.pool.free) throw errno("ENOMEM", `${needed} frames wanted, ${xen.pool.free} free`);
  const mfns = gpfns.map((gpfn) => xen.cow.writable(caller, gpfn).frame.mfn);
  return { memCopyToWrite: { mfns } };
};

export const memSharingOp: Handler<"memSharingOp"> = (xen, caller, args) => {
  if (!caller.privileged) throw errno("EPERM", "XENMEM_sharing_op is for the privileged domain");
  const domain = (domid: number) => {
    const found = xen.domains.live(xen.resolve(caller, domid));
    if (!found) throw errno("ESRCH", `no domain ${domid}`);
    return found;
  };
  switch (args.op) {
    case XENMEM_SHARING_OP.nominate_gfn: {
      const { handle, ready } = xen.sharing.nominate(domain(args.domain), args.gfn);
      return { memSharingOp: { handle, ready } };
    }
    case XENMEM_SHARING_OP.share:
      xen.sharing.share(
        domain(args.domain),
        args.gfn,
        Number(args.handle),
        domain(args.clientDomain),
        args.clientGfn,
        Number(args.clientHandle),
      );
      return undefined;
    default:
      throw errno("ENOSYS", `XENMEM_sharing_op ${args.op} is not implemented`);
  }
};

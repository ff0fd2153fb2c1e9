// GNTTABOP_transfer (page flipping): the caller's frame changes owner to the receiver, which
// named the caller in a GTF_accept_transfer entry. Xen writes the receiver's new gpfn into the
// entry's frame field, then sets transfer_committed, then transfer_completed.
import { flagsBytes, frameBytes, GTF } from "@xenfs/proto";
import { gntst } from "../errors.js";
import type { Handler } from "../handler.js";
import { P2m } from "../memory/p2m.js";

export const gnttabTransfer: Handler<"gnttabTransfer"> = (xen, caller, { mfn: gpfn, domid, ref }) => {
  const entry = P2m.valid(gpfn) ? caller.p2m.get(gpfn) : undefined;
  // A page shared by mem_sharing, or only nominated, is not the caller's alone to give.
  if (!entry || entry.foreign || entry.cow || entry.frame.type !== "ram")
    throw gntst("bad_page", `gpfn ${gpfn} is not own RAM`);
  const frame = entry.frame;
  const permits = (e: { flags: number; frame: number }) => (e.flags & GTF.type_mask) === GTF.permit_access;
  if (frame.mapCount > 0 || caller.grantTable.grantsFrame(gpfn, permits)) {
    throw gntst("bad_page", `gpfn ${gpfn} is granted or mapped`);
  }
  const receiverId = xen.resolve(caller, domid);
  const receiver = xen.domains.live(receiverId);
  if (!receiver) throw gntst("bad_domain", `no domain ${receiverId}`);
  if (!receiver.grantTable.validRef(ref))
    throw gntst("bad_gntref", `ref ${ref} past the table of dom${receiverId}`);
  const accept = receiver.grantTable.entry(ref);
  if (
    (accept.flags & GTF.type_mask) !== GTF.accept_transfer ||
    accept.domid !== caller.domid ||
    (accept.flags & GTF.transfer_committed) !== 0
  ) {
    throw gntst(
      "general_error",
      `ref ${ref} of dom${receiverId} does not accept a transfer from dom${caller.domid}`,
    );
  }
  if (receiver.owned.size >= receiver.maxFrames)
    throw gntst("general_error", `dom${receiverId} has no reservation left`);
  const newGpfn = receiver.p2m.insert({ frame, foreign: false, readonly: false });
  if (newGpfn === undefined) throw gntst("general_error", `dom${receiverId} has no free gpfn`);

  caller.p2m.delete(gpfn);
  caller.owned.delete(frame);
  frame.cachers.clear();
  frame.owner = receiver.domid;
  receiver.owned.add(frame);

  const { frame: tableFrame, offset } = receiver.grantTable.locate(ref);
  xen.memory.writeFrame(tableFrame, offset + 4, frameBytes(newGpfn));
  xen.memory.writeFrame(tableFrame, offset, flagsBytes(accept.flags | GTF.transfer_committed));
  xen.memory.writeFrame(
    tableFrame,
    offset,
    flagsBytes(accept.flags | GTF.transfer_committed | GTF.transfer_completed),
  );
  return undefined;
};

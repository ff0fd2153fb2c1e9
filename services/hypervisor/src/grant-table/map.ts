// GNTTABOP_map_grant_ref and GNTTABOP_unmap_grant_ref. The grant entry is read from the
// granter's table frame, exactly as the granter wrote it; Xen's checks, in Xen's order.
import { GNTMAP, GTF } from "@xenfs/proto";
import { gntst } from "../errors.js";
import type { Handler } from "../handler.js";
import { P2m } from "../memory/p2m.js";

export const gnttabMapGrantRef: Handler<"gnttabMapGrantRef"> = (
  xen,
  caller,
  { hostGpfn, flags, ref, dom },
) => {
  if ((flags & (GNTMAP.host_map | GNTMAP.device_map)) === 0) {
    throw gntst("bad_gntref", "flags need GNTMAP_host_map or GNTMAP_device_map"); // Xen's status for bad flags
  }
  const granterId = xen.resolve(caller, dom);
  const granter = xen.domains.live(granterId);
  if (!granter) throw gntst("bad_domain", `no domain ${granterId}`);
  if (!granter.grantTable.validRef(ref))
    throw gntst("bad_gntref", `ref ${ref} past the table of dom${granterId}`);
  if (hostGpfn !== 0 && (!P2m.valid(hostGpfn) || caller.p2m.has(hostGpfn))) {
    throw gntst("bad_virt_addr", `host_gpfn ${hostGpfn} is taken or out of range`);
  }
  if (caller.maptrack.full) throw gntst("no_device_space", "maptrack full");
  const entry = granter.grantTable.entry(ref);
  if ((entry.flags & GTF.type_mask) !== GTF.permit_access || entry.domid !== caller.domid) {
    throw gntst("general_error", `ref ${ref} does not permit access to dom${caller.domid}`);
  }
  // Copy-to-write needs only read access: the granter's frame is never written through it.
  const copyToWrite = (flags & GNTMAP.copy_to_write) !== 0;
  const readonly = copyToWrite || (flags & GNTMAP.readonly) !== 0;
  if (!readonly && (entry.flags & GTF.readonly) !== 0)
    throw gntst("general_error", `ref ${ref} is a read-only grant`);
  let target = granter.p2m.get(entry.frame);
  if (!target || target.foreign || target.frame.type !== "ram") {
    throw gntst("general_error", `ref ${ref} names gpfn ${entry.frame}, not RAM of dom${granterId}`);
  }
  // A granter's page shared or nominated by mem_sharing becomes its own again before anyone maps
  // it: a mapping must see the granter's later writes.
  if (target.cow) target = xen.cow.fault(granter, entry.frame, target);
  const mapped = copyToWrite
    ? { frame: target.frame, foreign: true, readonly: true, cow: true }
    : { frame: target.frame, foreign: true, readonly };
  let gpfn: number | undefined = hostGpfn;
  if (hostGpfn !== 0) caller.p2m.set(hostGpfn, mapped);
  else gpfn = caller.p2m.insert(mapped);
  if (gpfn === undefined) throw gntst("bad_virt_addr", "no free gpfn");
  xen.pool.pin(target.frame);
  const active = granter.grantTable.active.get(ref) ?? { readers: 0, writers: 0 };
  if (readonly) active.readers++;
  else active.writers++;
  granter.grantTable.active.set(ref, active);
  xen.grants.updateFlags(granter, ref, entry.flags);
  const mapping = caller.maptrack.add({
    granter: granterId,
    ref,
    frame: target.frame,
    hostGpfn: gpfn,
    readonly,
    copyToWrite,
  });
  return {
    gnttabMapGrantRef: {
      handle: mapping.handle,
      hostGpfn: gpfn,
      devBusAddr: entry.frame,
      mfn: target.frame.mfn,
    },
  };
};

export const gnttabUnmapGrantRef: Handler<"gnttabUnmapGrantRef"> = (xen, caller, { handle, hostGpfn }) => {
  const mapping = caller.maptrack.get(handle);
  if (!mapping) throw gntst("bad_handle", `no mapping with handle ${handle}`);
  if (hostGpfn !== 0 && hostGpfn !== mapping.hostGpfn) {
    throw gntst("general_error", `handle ${handle} is mapped at gpfn ${mapping.hostGpfn}, not ${hostGpfn}`);
  }
  xen.grants.unmap(caller, mapping, false);
  return undefined;
};

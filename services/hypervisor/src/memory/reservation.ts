// XENMEM_current_reservation and XENMEM_maximum_reservation, answered together: a domain's frames
// now (tot_pages: RAM and grant-table frames it owns) and its ceiling (max_pages). The balloon
// driver (libxen balloon.ts) reads them to know how far it is from memory/target. A domain may ask
// about itself; dom0 about anyone, as Xen's XSM default allows.
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";

export const memReservation: Handler<"memReservation"> = (xen, caller, { domid }) => {
  const target = xen.resolve(caller, domid);
  if (target !== caller.domid && !caller.privileged)
    throw errno("EPERM", "only dom0 may read another domain's reservation");
  const domain = xen.domains.get(target);
  if (!domain) throw errno("ESRCH", `no domain ${target}`);
  return { memReservation: { currentFrames: domain.owned.size, maxFrames: domain.maxFrames } };
};

// The `fault` hypercall (dom0 only): replaces the injected faults of one domain at run time.
// replaceFaults is shared with the HTTP admin API (PUT /api/faults).
import { errno } from "./errors.js";
import { FaultSpecError } from "./faults.js";
import type { Handler } from "./handler.js";
import type { Xen } from "./xen.js";

export function replaceFaults(xen: Xen, domid: number, spec: string): void {
  try {
    xen.config.faults.replace(domid, spec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw errno("EINVAL", error.message);
    throw error;
  }
  xen.logger.warn({ domid, spec }, "fault injection changed");
}

export const fault: Handler<"fault"> = (xen, caller, { spec, domid }) => {
  if (!caller.privileged) throw errno("EPERM", "fault injection is for dom0 only");
  replaceFaults(xen, domid, spec);
  return undefined;
};

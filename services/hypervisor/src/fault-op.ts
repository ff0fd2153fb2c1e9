// The `fault` hypercall (dom0 only): replaces the injected faults of one domain at run time.
import { errno } from "./errors.js";
import { FaultSpecError } from "./faults.js";
import type { Handler } from "./handler.js";

export const fault: Handler<"fault"> = (xen, caller, { spec, domid }) => {
  if (!caller.privileged) throw errno("EPERM", "fault injection is for dom0 only");
  try {
    xen.config.faults.replace(domid, spec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw errno("EINVAL", error.message);
    throw error;
  }
  xen.logger.warn({ domid, spec }, "fault injection changed");
  return undefined;
};

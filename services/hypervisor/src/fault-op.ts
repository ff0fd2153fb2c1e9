// The `fault` hypercall: replaces the injected faults of one domain at run time. dom0 may set any
// domain's; any other domain only its own session's (no global crash_after, no @domid aimed
// elsewhere). replaceFaults is shared with the HTTP admin API (PUT /api/faults).

import { FaultScopeError, FaultSpecError, parseOwnFaults } from "@xenfs/proto";
import { errno } from "./errors.js";
import { cutPartitioned, sendProcessFaults } from "./faults/domain-faults.js";
import type { Handler } from "./handler.js";
import type { Xen } from "./xen.js";

export function replaceFaults(xen: Xen, domid: number, spec: string): void {
  const { faults } = xen.config;
  const before = faults.processSpec(domid);
  let started: number[];
  try {
    started = faults.replace(domid, spec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw errno("EINVAL", error.message);
    throw error;
  }
  xen.logger.warn({ domid, spec }, "fault injection changed");
  sendProcessFaults(xen, domid, before);
  cutPartitioned(xen, started);
}

function checkOwnFaults(callerDomid: number, domid: number, spec: string): void {
  if (domid !== callerDomid) throw errno("EPERM", "a guest injects faults on its own session only");
  try {
    parseOwnFaults(spec);
  } catch (error) {
    if (error instanceof FaultScopeError) throw errno("EPERM", error.message);
    if (error instanceof FaultSpecError) throw errno("EINVAL", error.message);
    throw error;
  }
}

export const fault: Handler<"fault"> = (xen, caller, { spec, domid }) => {
  if (!caller.privileged) checkOwnFaults(caller.domid, domid, spec);
  replaceFaults(xen, domid, spec);
  return undefined;
};

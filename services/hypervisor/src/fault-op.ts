// The `fault` hypercall: replaces the injected faults of one domain at run time. dom0 may set any
// domain's; any other domain only its own session's (no global crash_after, no @domid aimed
// elsewhere). replaceFaults is shared with the HTTP admin API (PUT /api/faults).
import { errno } from "./errors.js";
import { type FaultRule, FaultSpecError, parseFaults } from "./faults.js";
import type { Handler } from "./handler.js";
import type { Xen } from "./xen.js";

/** A rule that reaches past the session setting it. */
export class FaultScopeError extends Error {
  override readonly name = "FaultScopeError";
  readonly code = "EPERM";
}

/** A spec a domain may set on its own session: parseFaults's rules without crash_after or @domid. */
export function parseOwnFaults(spec: string): FaultRule[] {
  const rules = parseFaults(spec);
  for (const rule of rules) {
    if (rule.kind === "crash_after") throw new FaultScopeError("crash_after is global: dom0's to set");
    if (rule.domid !== undefined)
      throw new FaultScopeError(`${rule.kind}@${rule.domid}: a domain's own faults take no @domid`);
  }
  return rules;
}

export function replaceFaults(xen: Xen, domid: number, spec: string): void {
  try {
    xen.config.faults.replace(domid, spec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw errno("EINVAL", error.message);
    throw error;
  }
  xen.logger.warn({ domid, spec }, "fault injection changed");
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

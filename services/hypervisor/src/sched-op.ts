// HYPERVISOR_sched_op (sched.h). A process has no vcpu to yield or block, so only what a domain
// can mean here is served: SCHEDOP_shutdown ends the domain at once (there is no toolstack
// waiting to reap a shut-down domain, so shutdown is destroy) except SHUTDOWN_suspend, which
// stops it for the toolstack to save (docs/migration.md#suspend); SCHEDOP_yield is a no-op.
import { SCHEDOP, SHUTDOWN } from "@xenfs/proto";
import { errno } from "./errors.js";
import type { Handler } from "./handler.js";

const REASONS = new Map<number, string>(Object.entries(SHUTDOWN).map(([name, code]) => [code, name]));

export const schedOp: Handler<"schedOp"> = (xen, caller, { cmd, reason }) => {
  switch (cmd) {
    case SCHEDOP.yield:
      return undefined;
    case SCHEDOP.shutdown: {
      const name = REASONS.get(reason);
      if (name === undefined) throw errno("EINVAL", `unknown shutdown reason ${reason}`);
      // After this call's reply has left (replies flush on a microtask): then the session closes
      // (or, suspended, holds everything after it).
      if (reason === SHUTDOWN.suspend) setImmediate(() => xen.lifecycle.suspend(caller));
      else setImmediate(() => xen.lifecycle.destroy(caller, `SCHEDOP_shutdown (${name})`));
      return undefined;
    }
    default:
      throw errno("ENOSYS", `SCHEDOP ${cmd} is not served`);
  }
};

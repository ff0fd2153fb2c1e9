// op → handler, and running one hypercall into one Reply (status 0 or Xen's status + code).
import { hypercallOp, type xen } from "@xenfs/proto";
import type { Domain } from "./domain/domain.js";
import { domctl } from "./domctl.js";
import { errno, HypercallError } from "./errors.js";
import {
  evtchnAllocUnbound,
  evtchnBindInterdomain,
  evtchnBindVirq,
  evtchnClose,
  evtchnMask,
  evtchnSend,
  evtchnStatus,
  evtchnUnmask,
} from "./event-channel/ops.js";
import { fault } from "./fault-op.js";
import { gnttabCopy } from "./grant-table/copy.js";
import { gnttabMapGrantRef, gnttabUnmapGrantRef } from "./grant-table/map.js";
import { gnttabRevoke } from "./grant-table/revoke.js";
import { gnttabQuerySize, gnttabSetupTable } from "./grant-table/setup.js";
import { gnttabTransfer } from "./grant-table/transfer.js";
import type { Handler, HandlerTable, OpArgs } from "./handler.js";
import { memAnnotate } from "./memory/annotate.js";
import { memAdd, memCmpxchg } from "./memory/atomic.js";
import { memCopyToWrite, memSharingOp } from "./memory/cow-ops.js";
import { shadowOp } from "./memory/log-dirty.js";
import {
  decreaseReservation,
  memForget,
  memRead,
  memTranslate,
  memTransport,
  memWrite,
  populatePhysmap,
} from "./memory/ops.js";
import { memoryReport } from "./memory/report.js";
import { memReservation } from "./memory/reservation.js";
import { remusSuspend } from "./remus/suspend-op.js";
import { schedOp } from "./sched-op.js";
import { sessionOf } from "./session/session.js";
import { tracedHypercall } from "./trace/hypercall.js";
import { traceSpan } from "./trace/span-op.js";
import type { Xen } from "./xen.js";
import { xs } from "./xs.js";

export const HANDLERS: HandlerTable = {
  populatePhysmap,
  decreaseReservation,
  memRead,
  memWrite,
  memCmpxchg,
  memAdd,
  memForget,
  memTransport,
  memTranslate,
  gnttabSetupTable,
  gnttabQuerySize,
  gnttabMapGrantRef,
  gnttabUnmapGrantRef,
  gnttabCopy,
  gnttabTransfer,
  gnttabRevoke,
  evtchnAllocUnbound,
  evtchnBindInterdomain,
  evtchnBindVirq,
  evtchnSend,
  evtchnClose,
  evtchnStatus,
  evtchnUnmask,
  evtchnMask,
  domctl,
  schedOp,
  xs,
  fault,
  memoryReport,
  memCopyToWrite,
  memSharingOp,
  memReservation,
  shadowOp,
  memAnnotate,
  traceSpan,
  remusSuspend,
};

const OP_NAMES = new Map<string, string>();

/** "gnttabMapGrantRef" → "gnttab_map_grant_ref", the metric label and log name (memoised: hot path). */
export function opName(op: string): string {
  let name = OP_NAMES.get(op);
  if (name === undefined) {
    name = op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    OP_NAMES.set(op, name);
  }
  return name;
}

export function failure(error: HypercallError): xen.Reply.$Properties {
  return { status: error.status, code: error.code, message: error.message };
}

/** Runs one hypercall for `caller`; never throws. Traced (timed, recorded) only while someone listens. */
export function runHypercall(xen: Xen, caller: Domain, call: xen.Hypercall): xen.Reply.$Properties {
  // trace_span carries records itself: tracing it too would only double the feed.
  if (xen.trace.on && !call.traceSpan) return tracedHypercall(serveHypercall, xen, caller, call);
  return serveHypercall(xen, caller, call);
}

function serveHypercall(xen: Xen, caller: Domain, call: xen.Hypercall): xen.Reply.$Properties {
  const op = hypercallOp(call);
  if (op === undefined) return failure(errno("EINVAL", "hypercall without an op"));
  if (op === "join" || op === "resume" || op === "attach")
    return failure(errno("EISCONN", `${op} on a session that is already a domain`));
  if (!sessionOf(caller).bucket.take())
    return failure(errno("EAGAIN", "hypercall rate limit exceeded; retry later"));
  const name = opName(op);
  xen.config.counters.hypercalls.inc({ op: name });
  caller.counts.hypercalls++;
  if (xen.config.faults.countHypercall(name)) xen.config.crash();
  const handler = HANDLERS[op] as Handler<typeof op>;
  try {
    return { status: 0, ...handler(xen, caller, call[op] as OpArgs[typeof op]) };
  } catch (error) {
    if (error instanceof HypercallError) return failure(error);
    xen.logger.error({ err: error, domid: caller.domid, op }, "hypercall handler failed");
    return failure(errno("EIO", `internal error in ${name}`));
  }
}

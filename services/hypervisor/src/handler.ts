// The shape every hypercall handler has: runs on behalf of `caller`, returns the Reply's result
// (or nothing for a bare success), throws HypercallError with Xen's status on failure. A handler
// validates everything before it changes anything, so a refused call leaves no trace.
import type { HypercallOp, xen } from "@xenfs/proto";
import type { Domain } from "./domain/domain.js";
import type { Xen } from "./xen.js";

/** Decoded argument messages: proto3 scalars always carry a value (their default when absent). */
export interface OpArgs {
  join: xen.JoinArgs;
  resume: xen.ResumeArgs;
  attach: xen.AttachArgs;
  populatePhysmap: xen.PopulatePhysmapArgs;
  decreaseReservation: xen.DecreaseReservationArgs;
  memRead: xen.MemReadArgs;
  memWrite: xen.MemWriteArgs;
  memCmpxchg: xen.MemAtomicArgs;
  memAdd: xen.MemAtomicArgs;
  memForget: xen.MemForgetArgs;
  memTransport: xen.MemTransportArgs;
  memTranslate: xen.MemTranslateArgs;
  gnttabSetupTable: xen.GnttabSetupTableArgs;
  gnttabQuerySize: xen.GnttabQuerySizeArgs;
  gnttabMapGrantRef: xen.GnttabMapGrantRefArgs;
  gnttabUnmapGrantRef: xen.GnttabUnmapGrantRefArgs;
  gnttabCopy: xen.GnttabCopyArgs;
  gnttabTransfer: xen.GnttabTransferArgs;
  gnttabRevoke: xen.GnttabRevokeArgs;
  evtchnAllocUnbound: xen.EvtchnAllocUnboundArgs;
  evtchnBindInterdomain: xen.EvtchnBindInterdomainArgs;
  evtchnBindVirq: xen.EvtchnBindVirqArgs;
  evtchnSend: xen.EvtchnSendArgs;
  schedOp: xen.SchedOpArgs;
  evtchnClose: xen.EvtchnCloseArgs;
  evtchnStatus: xen.EvtchnStatusArgs;
  evtchnUnmask: xen.EvtchnUnmaskArgs;
  evtchnMask: xen.EvtchnMaskArgs;
  domctl: xen.DomctlArgs;
  xs: xen.XsRequest;
  fault: xen.FaultArgs;
  memoryReport: xen.MemoryReportArgs;
  memCopyToWrite: xen.MemCopyToWriteArgs;
  memSharingOp: xen.MemSharingOpArgs;
  memReservation: xen.MemReservationArgs;
  shadowOp: xen.ShadowOpArgs;
  memAnnotate: xen.MemAnnotateArgs;
  traceSpan: xen.TraceSpanArgs;
  remusSuspend: xen.RemusSuspendArgs;
}

export type Handler<K extends HypercallOp> = (
  xen: Xen,
  caller: Domain,
  args: OpArgs[K],
) => xen.Reply.$Properties | undefined;

/** The handshake ops (the first frame of a connection) have no handler. */
export type HandshakeOp = "join" | "resume" | "attach";

export type HandlerTable = { readonly [K in Exclude<HypercallOp, HandshakeOp>]: Handler<K> };

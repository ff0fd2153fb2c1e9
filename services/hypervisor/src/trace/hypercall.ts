// A traced hypercall: timed, and described by what it did — an event send names the receiving
// domain and port, a grant map the granter, ref and handle, an unmap the handle. Runs only while
// someone traces (dispatch.ts checks Tracer.on first).
import { hypercallOp, type xen } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import type { Xen } from "../xen.js";
import { snake, type TraceKind, type TraceRecord, traceNow } from "./tracer.js";

type Run = (xen: Xen, caller: Domain, call: xen.Hypercall) => xen.Reply.$Properties;

function details(caller: Domain, call: xen.Hypercall): { kind: TraceKind; [k: string]: unknown } {
  if (call.evtchnSend) {
    const port = call.evtchnSend.port ?? 0;
    const channel = caller.evtchn.get(port);
    return channel?.state === "interdomain"
      ? { kind: "event", port, peer: channel.remoteDom, remotePort: channel.remotePort }
      : { kind: "event", port };
  }
  if (call.gnttabMapGrantRef) {
    const { dom, ref, flags } = call.gnttabMapGrantRef;
    return { kind: "grant_map", peer: dom, ref, flags };
  }
  if (call.gnttabUnmapGrantRef) {
    const handle = call.gnttabUnmapGrantRef.handle ?? 0;
    const mapping = caller.maptrack.get(handle);
    return mapping
      ? { kind: "grant_unmap", handle, peer: mapping.granter, ref: mapping.ref }
      : { kind: "grant_unmap", handle };
  }
  return { kind: "hypercall" };
}

export function tracedHypercall(
  run: Run,
  xen: Xen,
  caller: Domain,
  call: xen.Hypercall,
): xen.Reply.$Properties {
  const what = details(caller, call);
  const op = snake(hypercallOp(call) ?? "none");
  const ts = traceNow();
  const t0 = performance.now();
  const reply = run(xen, caller, call);
  const durUs = Math.round((performance.now() - t0) * 1000) / 1000;
  const record: TraceRecord = {
    ts,
    domid: caller.domid,
    op,
    durUs,
    status: reply.status ?? 0,
    ...(reply.code ? { code: reply.code } : {}),
    ...what,
    ...(what.kind === "grant_map" && reply.gnttabMapGrantRef
      ? { handle: reply.gnttabMapGrantRef.handle, mfn: reply.gnttabMapGrantRef.mfn }
      : {}),
  };
  xen.trace.emit(record);
  return reply;
}

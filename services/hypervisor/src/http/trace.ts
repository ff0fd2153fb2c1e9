// GET /api/trace: the trace feed as server-sent events, behind dom0's token (xentrace needs
// privilege too). `?domain=<domid>` keeps one domain's records (as actor or peer); `?ops=a,b`
// keeps those kinds (hypercall, event, grant_map, grant_unmap, upcall) or op names
// (gnttab_copy, frame_update, …). Each record is one `data:` line of JSON. A client that reads too
// slowly loses records rather than growing the hypervisor's memory: they are counted and reported
// as a `{"kind":"lost","records":n}` record once the socket drains, as xentrace's lost_records.
import type { IncomingMessage, ServerResponse } from "node:http";
import { DOMID_MAX_GUEST } from "@xenfs/proto";
import { HttpError, type Route } from "@xenfs/service-kit";
import type { TraceFilter, TraceRecord } from "../trace/tracer.js";
import { traceNow } from "../trace/tracer.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";

const KEEPALIVE_MS = 15_000;

function parseFilter(url: URL): TraceFilter {
  const domain = url.searchParams.get("domain");
  let domid: number | undefined;
  if (domain !== null) {
    domid = /^\d{1,5}$/.test(domain) ? Number(domain) : -1;
    if (domid < 0 || domid > DOMID_MAX_GUEST) throw new HttpError(400, "EINVAL", `bad domain ${domain}`);
  }
  const ops = url.searchParams.get("ops");
  return { domid, ops: ops ? new Set(ops.split(",").filter(Boolean)) : undefined };
}

function feed(xen: Xen, req: IncomingMessage, res: ServerResponse, url: URL): void {
  requireDom0Token(req, res, xen.config.dom0Token);
  const filter = parseFilter(url);
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  res.write(": xenfs trace\n\n");
  let lost = 0;
  const send = (record: TraceRecord | { ts: number; kind: "lost"; records: number }) => {
    res.write(`data: ${JSON.stringify(record)}\n\n`);
  };
  const unsubscribe = xen.trace.subscribe(filter, (record) => {
    if (res.writableNeedDrain) {
      lost++;
      return;
    }
    send(record);
  });
  res.on("drain", () => {
    if (lost === 0) return;
    send({ ts: traceNow(), kind: "lost", records: lost });
    lost = 0;
  });
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS).unref();
  res.on("close", () => {
    clearInterval(keepalive);
    unsubscribe();
  });
}

export function traceRoute(xen: Xen): Route {
  return { method: "GET", path: "/api/trace", handler: (req, res, { url }) => feed(xen, req, res, url) };
}

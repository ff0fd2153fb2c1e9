// The trace feed: off until someone subscribes (Tracer.on), then every hypercall of the chosen
// domain with its duration, grant maps and unmaps with granter and ref, event sends with the
// receiver, and upcalls; the filter keeps what was asked for, and closing the feed turns it off.
import { GNTMAP, GTF } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import { matches, type TraceRecord, Tracer, traceEventPending } from "./tracer.js";

describe("Tracer", () => {
  it("is on exactly while someone subscribes", () => {
    const tracer = new Tracer();
    expect(tracer.on).toBe(false);
    const seen: TraceRecord[] = [];
    const off = tracer.subscribe({ domid: 2 }, (r) => seen.push(r));
    expect(tracer.on).toBe(true);
    tracer.emit({ ts: 1, kind: "hypercall", domid: 1, op: "mem_read" });
    tracer.emit({ ts: 2, kind: "event", domid: 1, op: "evtchn_send", peer: 2 });
    expect(seen.map((r) => r.ts)).toEqual([2]);
    off();
    expect(tracer.on).toBe(false);
  });

  it("filters by kind or op name", () => {
    const r: TraceRecord = { ts: 0, kind: "grant_map", domid: 3, op: "gnttab_map_grant_ref" };
    expect(matches({ ops: new Set(["grant_map"]) }, r)).toBe(true);
    expect(matches({ ops: new Set(["gnttab_map_grant_ref"]) }, r)).toBe(true);
    expect(matches({ ops: new Set(["event"]) }, r)).toBe(false);
    expect(matches({}, r)).toBe(true);
  });
});

/** Reads SSE `data:` records from a feed until `done` says so. */
async function collect(res: Response, done: (records: TraceRecord[]) => boolean): Promise<TraceRecord[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const records: TraceRecord[] = [];
  let buffer = "";
  while (!done(records)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const chunk = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (chunk.startsWith("data: ")) records.push(JSON.parse(chunk.slice(6)) as TraceRecord);
      end = buffer.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return records;
}

describe("GET /api/trace", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(() => host.hv.close());
  const open = (query: string) =>
    fetch(`${host.hv.httpUrl}/api/trace${query}`, { headers: { authorization: `Bearer ${DOM0_TOKEN}` } });

  it("needs dom0's token", async () => {
    expect((await fetch(`${host.hv.httpUrl}/api/trace`)).status).toBe(401);
    expect((await open("?domain=x")).status).toBe(400);
  });

  it("streams a guest's hypercalls, grant map/unmap, event sends and upcalls with timings", async () => {
    const dom0 = await host.dom0();
    const guest = await host.guest("traced");
    const table = await setupTable(dom0, 1);
    const [page] = await populate(dom0, 1);
    await grant(dom0, table, 7, GTF.permit_access, guest.domid, page!);
    const [, guestPort] = await connectPorts(dom0, guest);

    const res = await open(`?domain=${guest.domid}`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const before = performance.timeOrigin + performance.now();
    const reading = collect(res, (rs) => rs.some((r) => r.kind === "grant_unmap"));
    const mapped = await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 7, dom: 0 } }));
    await ok(guest.call({ evtchnSend: { port: guestPort } }));
    // The guest keeps a copy of the mapped frame; dom0's write reaches it as a frame_update upcall.
    const hostGpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    await ok(guest.call({ memRead: { gpfn: hostGpfn, offset: 0, length: 8, cache: true } }));
    await ok(dom0.call({ memWrite: { gpfn: page!, offset: 0, data: new Uint8Array([1]) } }));
    const handle = mapped.gnttabMapGrantRef!.handle!;
    await ok(guest.call({ gnttabUnmapGrantRef: { handle, hostGpfn } }));
    const records = await reading;

    const map = records.find((r) => r.kind === "grant_map");
    expect(map).toMatchObject({
      domid: guest.domid,
      op: "gnttab_map_grant_ref",
      peer: 0,
      ref: 7,
      status: 0,
      handle,
    });
    expect(map!.ts).toBeGreaterThanOrEqual(before);
    expect(map!.durUs).toBeGreaterThanOrEqual(0);
    expect(records.find((r) => r.kind === "event")).toMatchObject({
      domid: guest.domid,
      op: "evtchn_send",
      port: guestPort,
      peer: 0,
    });
    expect(records.find((r) => r.kind === "grant_unmap")).toMatchObject({ peer: 0, ref: 7, handle });
    expect(records.find((r) => r.kind === "upcall")).toMatchObject({
      domid: guest.domid,
      op: "frame_update",
    });
    // dom0's own hypercalls are not this domain's: left out.
    expect(records.some((r) => r.op === "mem_write")).toBe(false);
    expect(records.every((r) => r.domid === guest.domid || r.peer === guest.domid)).toBe(true);
    // Closing the feed unsubscribes it: no feed left, tracing is off again.
    await until(async () =>
      (await (await fetch(`${host.hv.httpUrl}/metrics`)).text()).includes("xen_trace_feeds 0"),
    );
  });
});

describe("event_pending in the trace", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(() => host.hv.close());

  it("records each event_pending upcall with the ports it carries, after the send that raised it", async () => {
    const dom0 = await host.dom0();
    const guest = await host.guest("woken");
    const [dom0Port, guestPort] = await connectPorts(dom0, guest);
    const res = await fetch(`${host.hv.httpUrl}/api/trace?domain=${guest.domid}&ops=event,event_pending`, {
      headers: { authorization: `Bearer ${DOM0_TOKEN}` },
    });
    const before = performance.timeOrigin + performance.now();
    const reading = collect(res, (rs) => rs.filter((r) => r.op === "event_pending").length >= 2);
    await ok(dom0.call({ evtchnSend: { port: dom0Port } }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ok(dom0.call({ evtchnSend: { port: dom0Port } }));
    const records = await reading;
    const sends = records.filter((r) => r.op === "evtchn_send");
    const pending = records.filter((r) => r.op === "event_pending");
    expect(pending[0]).toMatchObject({ kind: "upcall", domid: guest.domid, ports: [guestPort] });
    expect(pending[0]!["spurious"]).toBeUndefined();
    expect(sends[0]).toMatchObject({ domid: 0, peer: guest.domid, port: dom0Port });
    expect(pending[0]!.ts).toBeGreaterThanOrEqual(sends[0]!.ts);
    expect(sends[0]!.ts).toBeGreaterThanOrEqual(before);
    expect(pending[1]!.ts).toBeGreaterThan(pending[0]!.ts);
  });

  it("is one boolean check while nobody traces: nothing is recorded", () => {
    const tracer = new Tracer();
    const seen: TraceRecord[] = [];
    const hook = traceEventPending(tracer, 4);
    hook([1], false);
    const off = tracer.subscribe({}, (r) => seen.push(r));
    hook([2, 3], true);
    off();
    hook([5], false);
    expect(seen).toEqual([
      {
        ts: expect.any(Number),
        kind: "upcall",
        domid: 4,
        op: "event_pending",
        ports: [2, 3],
        spurious: true,
      },
    ]);
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not met");
}

// trace_span: a domain's own spans reach the trace feed as `xenfs` records while someone traces,
// are dropped (answered 0) when nobody does, and malformed ones are refused. The trace_state
// upcall tells every live domain when tracing goes on and off.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ok } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import type { TraceRecord } from "./tracer.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.hv.close());

/** The feed's records until `count` of them have come. */
async function take(res: Response, count: number): Promise<TraceRecord[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const records: TraceRecord[] = [];
  let buffer = "";
  while (records.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const chunk = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (chunk.startsWith("data: ")) records.push(JSON.parse(chunk.slice(6)) as TraceRecord);
    }
  }
  await reader.cancel();
  return records;
}

const span = { op: "read", id: 3, ts: 1_700_000_000_000.5, durUs: 42.5, peer: 0, side: "front" };

it("tells domains tracing is on and off, and turns their spans into xenfs records only while on", async () => {
  const guest = await host.guest("spans");
  await ok(guest.call({ traceSpan: { spans: [span] } })); // nobody traces: dropped
  const res = await fetch(`${host.hv.httpUrl}/api/trace?ops=xenfs`, {
    headers: { authorization: `Bearer ${DOM0_TOKEN}` },
  });
  expect((await guest.upcall((u) => u.traceState)).on).toBe(true);
  for (const bad of [
    { ...span, op: "Read!" },
    { ...span, side: "middle" },
    { ...span, durUs: -1 },
  ]) {
    expect((await guest.call({ traceSpan: { spans: [bad] } })).code).toBe("EINVAL");
  }
  expect((await guest.call({ traceSpan: { spans: Array(257).fill(span) } })).code).toBe("E2BIG");
  await ok(guest.call({ traceSpan: { spans: [span, { ...span, id: 4, side: "back" }] } }));
  // Only these two: the refused calls sent nothing.
  expect(await take(res, 2)).toEqual([
    {
      ts: span.ts,
      kind: "xenfs",
      domid: guest.domid,
      op: "xenfs_read",
      durUs: 42.5,
      peer: 0,
      id: 3,
      side: "front",
    },
    {
      ts: span.ts,
      kind: "xenfs",
      domid: guest.domid,
      op: "xenfs_read",
      durUs: 42.5,
      peer: 0,
      id: 4,
      side: "back",
    },
  ]);
  // The feed closed: tracing is off, and the domain is told.
  expect((await guest.upcall((u) => (u.traceState?.on === false ? u.traceState : undefined))).on).toBe(false);
});

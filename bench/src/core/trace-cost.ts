// What tracing costs: the same hypercall loop with no trace feed (Tracer.on false: one boolean
// check per call) and with a feed open that takes every record (docs/observing.md#tracing).
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";

const CALLS = 4_000;

/** Opens /api/trace and reads it to the end, discarding records; `close` ends it. */
async function openFeed(httpUrl: string): Promise<{ close(): Promise<void> }> {
  const abort = new AbortController();
  const res = await fetch(`${httpUrl}/api/trace`, {
    headers: { authorization: `Bearer ${DOM0_TOKEN}` },
    signal: abort.signal,
  });
  if (!res.ok || !res.body) throw new Error(`trace feed: HTTP ${res.status}`);
  const reader = res.body.getReader();
  const draining = (async () => {
    for (;;) if ((await reader.read()).done) return;
  })().catch(() => undefined);
  return {
    async close() {
      abort.abort();
      await draining;
    },
  };
}

export async function traceCostRows(guest: XenDomain, httpUrl: string, frames: number): Promise<ResultRow[]> {
  const port = await guest.events.allocUnbound(0);
  const loop = async () => {
    for (let i = 0; i < CALLS; i++) await guest.events.status(port);
    return { ops: CALLS };
  };
  const off = await measure("evtchn_status, tracing off", loop);
  const feed = await openFeed(httpUrl);
  const on = await measure("evtchn_status, tracing on (a feed takes every record)", loop).finally(() =>
    feed.close(),
  );
  await guest.events.close(port);
  return [rowOf(off, "opsPerSec", { frames }), rowOf(on, "opsPerSec", { baseline: off.name, frames })];
}

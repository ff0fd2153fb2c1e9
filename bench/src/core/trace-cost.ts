// What tracing costs (docs/observing.md#tracing): the same workloads with no trace feed (Tracer.on
// false: one boolean check per hypercall, upcall and outbox flush) and with a feed open that takes
// every record. Two workloads: a hypercall loop (evtchn_status), and event ping-pong between two
// domains (evtchn_send → event_pending → evtchn_send back → event_pending, every step traced).
// Each workload runs off, on, and off again: the last row shows that once the feed closes nothing
// of it stays on the hot path (its ratio to the first is the cost of "off" after tracing, ≈ 1).
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";

const CALLS = 4_000;
const ROUND_TRIPS = 1_000;
const FEED = "a feed takes every record";

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

type Loop = () => Promise<{ ops: number }>;

/** `workload` off, on (a feed open), off again: three rows, the last two against the first. */
async function offOnOff(workload: string, loop: Loop, httpUrl: string, frames: number): Promise<ResultRow[]> {
  const off = await measure(`${workload}, tracing off`, loop);
  const feed = await openFeed(httpUrl);
  const on = await measure(`${workload}, tracing on (${FEED})`, loop).finally(() => feed.close());
  const offAgain = await measure(`${workload}, tracing off again (after the feed closed)`, loop);
  return [
    rowOf(off, "opsPerSec", { frames }),
    rowOf(on, "opsPerSec", { baseline: off.name, frames }),
    rowOf(offAgain, "opsPerSec", { baseline: off.name, frames }),
  ];
}

/** A channel between two domains where `b` answers every event from `a` with one back. */
async function pingPong(a: XenDomain, b: XenDomain): Promise<{ loop: Loop; close(): Promise<void> }> {
  const portA = await a.events.allocUnbound(b.domid);
  let answered: (() => void) | undefined;
  let connected!: () => void;
  const bound = new Promise<void>((resolve) => {
    connected = resolve;
  });
  // The first event is b's bind (Xen makes one pending on it); every later one answers a ping.
  a.events.on(portA, () => {
    if (answered) {
      const done = answered;
      answered = undefined;
      done();
    } else connected();
  });
  const portB = await b.events.bindInterdomain(a.domid, portA);
  b.events.on(portB, () => {
    b.events.send(portB).catch(() => undefined);
  });
  await bound;
  return {
    async loop() {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        const answer = new Promise<void>((resolve) => {
          answered = resolve;
        });
        await Promise.all([a.events.send(portA), answer]);
      }
      return { ops: ROUND_TRIPS };
    },
    async close() {
      await b.events.close(portB);
      await a.events.close(portA);
    },
  };
}

export async function traceCostRows(
  guests: readonly XenDomain[],
  httpUrl: string,
  frames: number,
): Promise<ResultRow[]> {
  const [a, b] = guests;
  if (!a || !b) throw new Error("the trace-cost rows need two guests");
  const port = await a.events.allocUnbound(0);
  const statusLoop = async () => {
    for (let i = 0; i < CALLS; i++) await a.events.status(port);
    return { ops: CALLS };
  };
  const rows = await offOnOff("evtchn_status", statusLoop, httpUrl, frames);
  await a.events.close(port);
  const channel = await pingPong(a, b);
  try {
    rows.push(...(await offOnOff("evtchn ping-pong round trips", channel.loop, httpUrl, frames)));
  } finally {
    await channel.close();
  }
  return rows;
}

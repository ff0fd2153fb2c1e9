// Hypercalls per second: one call per round trip from one domain, then many per multicall from
// several domains at once.
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { XenDomain } from "@xenfs/libxen";
import { inBatches } from "./batches.js";

const SINGLE_CALLS = 4_000;
const BATCHED_CALLS_PER_GUEST = 40_000;
const PER_TICK = 256;

export async function hypercallRateRows(guests: readonly XenDomain[], frames: number): Promise<ResultRow[]> {
  // evtchn_status of a port of the caller's own: a call that reads state and changes nothing.
  const ports = await Promise.all(guests.map((guest) => guest.events.allocUnbound(0)));
  const [first] = guests;
  const [firstPort] = ports;
  if (!first || firstPort === undefined) throw new Error("hypercall rate needs a guest");

  const single = await measure("evtchn_status, 1 per round trip", async (ctx) => {
    for (let i = 0; i < SINGLE_CALLS; i++) await ctx.time(() => first.events.status(firstPort));
    return { ops: SINGLE_CALLS };
  });
  const batched = await measure(
    `evtchn_status, ${PER_TICK} per multicall × ${guests.length} domains`,
    async () => {
      await Promise.all(
        guests.map((guest, g) =>
          inBatches(BATCHED_CALLS_PER_GUEST, PER_TICK, () => guest.events.status(ports[g]!)),
        ),
      );
      return { ops: BATCHED_CALLS_PER_GUEST * guests.length };
    },
  );
  await Promise.all(guests.map((guest, g) => guest.events.close(ports[g]!)));
  return [
    rowOf(single, "opsPerSec", { frames }),
    rowOf(batched, "opsPerSec", { baseline: single.name, frames }),
  ];
}

// Event-channel ping-pong between two guest processes through the hypervisor process: each round
// trip is send → event_pending at the ponger → send → event_pending at the pinger.
import { type Calibration, measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import { CLUSTER_TOKEN, type HypervisorProcess } from "@xenfs/testkit";
import { JsonLinesProcess } from "@xenfs/testkit/process";

const ROUND_TRIPS = 2_000;
/** Target (docs/design.md#measuring): an event round trip within three raw WebSocket round trips. */
const MAX_WS_ROUND_TRIPS = 3;

export async function pingPongRows(hv: HypervisorProcess, calibration: Calibration): Promise<ResultRow[]> {
  const env = { XEN_HYPERVISOR_URL: hv.url, XEN_CLUSTER_TOKEN: CLUSTER_TOKEN };
  const pong = JsonLinesProcess.start("pong", "bench/src/core/pong-domain.ts", env);
  const ping = JsonLinesProcess.start("ping", "bench/src/core/ping-domain.ts", env);
  try {
    const pongDomid = (await pong.event<{ domid: number }>("joined")).domid;
    const pingDomid = (await ping.event<{ domid: number }>("joined")).domid;
    ping.send({ cmd: "offer", remoteDom: pongDomid });
    const { port } = await ping.event<{ port: number }>("offered");
    pong.send({ cmd: "bind", remoteDom: pingDomid, remotePort: port });
    await Promise.all([pong.event("bound"), ping.event("connected")]);

    const frames = await hv.framesUsed();
    const pingPong = await measure("evtchn ping-pong (2 processes)", async (ctx) => {
      ping.send({ cmd: "ping", count: ROUND_TRIPS });
      const { samples } = await ping.event<{ samples: number[] }>("pinged");
      for (const ms of samples) ctx.record(ms);
      return { ops: samples.length };
    });
    return [
      rowOf(pingPong, "p50Ms", {
        calibration: "wsRoundTrip",
        frames,
        target: { op: "<=", value: MAX_WS_ROUND_TRIPS * calibration.wsRoundTrip.p50Ms },
      }),
    ];
  } finally {
    await Promise.all([ping.stop(), pong.stop()]);
  }
}

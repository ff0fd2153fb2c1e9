// mmap ping-pong (docs/mmap.md): two guests map one page of a file and bounce a sequence number
// through it, each turn a store into the shared frame and an event on an interdomain channel.
// The round trip's p50 stands beside the raw WebSocket round trip of the same run (the
// calibration), which every event crosses twice.
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import { XEN_PAGE_SIZE as PAGE_SIZE } from "@xenfs/proto";
import type { SharingHost } from "./host.js";
import { SIZES } from "./sizes.js";

export const PING_FILE = "ping-pong.bin";
const PING = 0;
const PONG = 8;

export async function mmapPingPongRows(host: SharingHost): Promise<ResultRow[]> {
  const a = await host.guest("ping", { mode: "shared" });
  const b = await host.guest("pong", { mode: "shared" });
  const ma = await a.fs.mmap(PING_FILE, { length: PAGE_SIZE, writable: true });
  const mb = await b.fs.mmap(PING_FILE, { length: PAGE_SIZE, writable: true });
  const bPort = await b.domain.events.allocUnbound(a.domain.domid);
  const aPort = await a.domain.events.bindInterdomain(b.domain.domid, bPort);
  // B answers each ping with the same number in its own word.
  const stopB = b.domain.events.on(bPort, () => {
    void (async () => {
      const seq = await mb.read(PING, 8);
      await mb.write(PONG, seq);
      await b.domain.events.send(bPort);
    })();
  });
  let waiting: { seq: bigint; done: () => void } | undefined;
  const stopA = a.domain.events.on(aPort, () => {
    void (async () => {
      const pending = waiting;
      if (pending && (await ma.read(PONG, 8)).readBigUInt64LE() === pending.seq) {
        waiting = undefined;
        pending.done();
      }
    })();
  });
  let seq = 0n;
  const trip = async () => {
    seq += 1n;
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(seq);
    const answered = new Promise<void>((done) => {
      waiting = { seq, done };
    });
    await ma.write(PING, bytes);
    await a.domain.events.send(aPort);
    await answered;
  };
  try {
    const pingPong = await measure(
      "mmap ping-pong between two guests (mapped page + event channel)",
      async (ctx) => {
        for (let i = 0; i < SIZES.pingPongTrips; i++) await ctx.time(trip);
        return { ops: SIZES.pingPongTrips };
      },
      { repeats: SIZES.repeats },
    );
    return [
      rowOf(pingPong, "p50Ms", { name: `${pingPong.name} p50`, calibration: "wsRoundTrip" }),
      rowOf(pingPong, "opsPerSec", { name: `${pingPong.name} round trips` }),
    ];
  } finally {
    stopA();
    stopB();
    await ma.unmap();
    await mb.unmap();
  }
}

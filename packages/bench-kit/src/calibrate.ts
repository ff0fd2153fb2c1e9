import { once } from "node:events";
import { performance } from "node:perf_hooks";
import type WebSocket from "ws";
import { memcpy4k } from "./memcpy.js";
import { type Latency, latency } from "./stats.js";
import { startWsPeer } from "./ws-peer.js";

/** What this machine does in the same run, without XenFS: the yardsticks for every result. */
export interface Calibration {
  readonly at: string;
  readonly node: string;
  /** Raw WebSocket round trip of small binary messages to another process on loopback. */
  readonly wsRoundTrip: Latency & { readonly messageBytes: number };
  /** Raw one-way WebSocket throughput, until the peer acknowledges every byte. */
  readonly wsThroughput: { readonly mbPerSec: number; readonly bytes: number; readonly messageBytes: number };
  /** 4 KiB Buffer.copy: the cost of a copy that sharing pages avoids. */
  readonly memcpy4k: { readonly mbPerSec: number; readonly bytes: number };
}

export interface CalibrateOptions {
  readonly roundTrips?: number;
  readonly warmupRoundTrips?: number;
  readonly messageBytes?: number;
  readonly throughputBytes?: number;
  readonly memcpyBytes?: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;
const STREAM_MESSAGE = 64 * KIB;
// Messages in flight while streaming: enough to keep the socket busy, bounded in memory.
const STREAM_WINDOW = 32;

export async function calibrate(options: CalibrateOptions = {}): Promise<Calibration> {
  const {
    roundTrips = 2000,
    warmupRoundTrips = 200,
    messageBytes = 64,
    throughputBytes = 64 * MIB,
    memcpyBytes = 256 * MIB,
  } = options;
  const peer = await startWsPeer();
  try {
    const echo = await peer.connect("/echo");
    const samples = await roundTripsMs(echo, new Uint8Array(messageBytes), warmupRoundTrips, roundTrips);
    echo.close();
    const sink = await peer.connect("/sink");
    const stream = await streamOneWay(sink, throughputBytes);
    sink.close();
    return {
      at: new Date().toISOString(),
      node: process.version,
      wsRoundTrip: { ...latency(samples), messageBytes },
      wsThroughput: { ...stream, messageBytes: STREAM_MESSAGE },
      memcpy4k: memcpy4k(memcpyBytes),
    };
  } finally {
    await peer.close();
  }
}

async function roundTripsMs(
  socket: WebSocket,
  message: Uint8Array,
  warmup: number,
  count: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = -warmup; i < count; i++) {
    const start = performance.now();
    socket.send(message);
    const [reply] = (await once(socket, "message")) as [Buffer];
    const ms = performance.now() - start;
    if (reply.length !== message.length)
      throw new Error(`echo of ${reply.length} bytes, sent ${message.length}`);
    if (i >= 0) samples.push(ms);
  }
  return samples;
}

async function streamOneWay(
  socket: WebSocket,
  totalBytes: number,
): Promise<{ mbPerSec: number; bytes: number }> {
  const chunk = Buffer.alloc(STREAM_MESSAGE, 0x5a);
  const messages = Math.max(1, Math.ceil(totalBytes / STREAM_MESSAGE));
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    inFlight.push(new Promise((resolve, reject) => socket.send(chunk, (e) => (e ? reject(e) : resolve()))));
    if (inFlight.length >= STREAM_WINDOW) await inFlight.shift();
  }
  await Promise.all(inFlight);
  socket.send("ack?");
  const [ack] = (await once(socket, "message")) as [Buffer];
  const seconds = (performance.now() - start) / 1000;
  const bytes = messages * STREAM_MESSAGE;
  if (Number(ack.toString()) !== bytes) throw new Error(`peer acknowledged ${ack} of ${bytes} bytes`);
  return { mbPerSec: bytes / 1e6 / seconds, bytes };
}

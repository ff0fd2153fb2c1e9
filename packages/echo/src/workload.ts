// A stream of echo requests with a bounded number in flight, checking every answer: what the
// tests and the benchmark run inside the guest.
import type { EchoFrontend } from "./frontend.js";
import { ECHO_MAX_PAYLOAD } from "./protocol.js";

export interface WorkloadSpec {
  readonly requests: number;
  /** At most this many unanswered at a time (1: one round trip after another). */
  readonly inflight: number;
  /** Bytes per payload; default varies 0…48 with the request's number. */
  readonly payloadBytes?: number;
  /** Keep each request's latency. */
  readonly latency?: boolean;
  /** Called after every this many answers. */
  readonly progressEvery?: number;
}

export interface WorkloadResult {
  readonly answered: number;
  /** Answers whose payload differs from the request's. */
  readonly wrong: number;
  /** Requests whose promise settled more than once (must stay 0). */
  readonly settledTwice: number;
  readonly failed: number;
  readonly seconds: number;
  readonly latenciesMs: readonly number[];
}

/** The payload of request `n`: its own number spelt into the bytes, so a mix-up shows. */
export function payloadFor(n: number, bytes?: number): Uint8Array {
  const length = bytes ?? n % (ECHO_MAX_PAYLOAD + 1);
  const payload = new Uint8Array(length);
  for (let i = 0; i < length; i++) payload[i] = (n * 31 + i) & 0xff;
  return payload;
}

export async function runWorkload(
  echo: EchoFrontend,
  spec: WorkloadSpec,
  onProgress?: (answered: number) => void,
): Promise<WorkloadResult> {
  const settled = new Uint8Array(spec.requests);
  const latenciesMs: number[] = [];
  let next = 0;
  let answered = 0;
  let wrong = 0;
  let failed = 0;
  const start = performance.now();

  const one = async (n: number): Promise<void> => {
    const sent = payloadFor(n, spec.payloadBytes);
    const t0 = performance.now();
    try {
      const got = await echo.echo(sent);
      if (spec.latency) latenciesMs.push(performance.now() - t0);
      if (!sameBytes(got, sent)) wrong++;
      answered++;
      if (spec.progressEvery && answered % spec.progressEvery === 0) onProgress?.(answered);
    } catch {
      failed++;
    }
    settled[n] = (settled[n] ?? 0) + 1;
  };
  const worker = async (): Promise<void> => {
    while (next < spec.requests) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(spec.inflight, spec.requests) }, worker));

  return {
    answered,
    wrong,
    failed,
    settledTwice: settled.filter((count) => count > 1).length,
    seconds: (performance.now() - start) / 1000,
    latenciesMs,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

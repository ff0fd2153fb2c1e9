// A service is ready when its GET /readyz answers 200. Waiting ends early, with the log tail,
// when the process dies first.
import { ChildExitedError } from "./errors.js";
import { logTail } from "./log-tail.js";
import { LOOPBACK } from "./plan.js";
import type { ServiceProcess } from "./processes.js";

/** First poll soon; then less often, so 64 guests starting at once are not flooded with polls. */
const POLL_MIN_MS = 200;
const POLL_MAX_MS = 1_000;
export const LOG_TAIL_LINES = 20;

export async function isReady(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${LOOPBACK}:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function exitError(service: ServiceProcess): Promise<ChildExitedError> {
  const status = await service.exited;
  return new ChildExitedError(
    service.spec.name,
    status.code,
    status.signal,
    service.logPath,
    await logTail(service.logPath, LOG_TAIL_LINES),
  );
}

/** true once the service is ready; false if it exits, or `signal` aborts, first. */
export async function pollReady(service: ServiceProcess, signal: AbortSignal): Promise<boolean> {
  let ended = false;
  const exit = service.exited.then(() => {
    ended = true;
  });
  const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
  for (let pause = POLL_MIN_MS; !ended && !signal.aborted; pause = Math.min(POLL_MAX_MS, pause * 1.5)) {
    if (await isReady(service.spec.port)) return !ended;
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise((resolve) => {
      timer = setTimeout(resolve, pause);
    });
    await Promise.race([exit, aborted, tick]);
    clearTimeout(timer);
  }
  return false;
}

// A service is ready when its GET /readyz answers 200. Waiting ends early, with the log tail,
// when the process dies first.
import { ChildExitedError, NotReadyError } from "./errors.js";
import { logTail } from "./log-tail.js";
import { LOOPBACK } from "./plan.js";
import type { ServiceProcess } from "./processes.js";

const POLL_MS = 200;
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

export async function waitReady(service: ServiceProcess, timeoutMs: number): Promise<void> {
  let ended = false;
  const exit = service.exited.then(() => {
    ended = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!ended) {
    if (await isReady(service.spec.port)) return;
    if (Date.now() >= deadline) {
      throw new NotReadyError(
        service.spec.name,
        timeoutMs,
        service.logPath,
        await logTail(service.logPath, LOG_TAIL_LINES),
      );
    }
    await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
  }
  throw await exitError(service);
}

// Bounded polling: every wait in the test has a deadline and says what it was waiting for.
import { setTimeout as sleep } from "node:timers/promises";

const POLL_MS = 250;

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined; // reachable now, just not there yet
    } catch (error) {
      lastError = error; // the cluster is still recovering; try again
    }
    await sleep(POLL_MS);
  }
  const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
}

export function seconds(sinceMs: number): number {
  return Math.round((Date.now() - sinceMs) / 100) / 10;
}

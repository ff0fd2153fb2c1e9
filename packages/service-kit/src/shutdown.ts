// Graceful stop on SIGTERM/SIGINT: run the service's cleanup once, then exit 0; exit 1 when the
// cleanup throws or hangs past the deadline, so an orchestrator never waits forever.
import type { Logger } from "./logger.js";

export interface ShutdownOptions {
  logger?: Logger;
  /** Longest the cleanup may take before the process exits with 1. */
  deadlineMs?: number;
  signals?: readonly NodeJS.Signals[];
}

/** Registers the handler; returns a function that unregisters it. */
export function onShutdown(fn: () => unknown, options: ShutdownOptions = {}): () => void {
  const { logger, deadlineMs = 10_000, signals = ["SIGTERM", "SIGINT"] } = options;
  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (started) return; // a second signal while stopping changes nothing
    started = true;
    logger?.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      logger?.error({ deadlineMs }, "shutdown exceeded its deadline");
      exit(1);
    }, deadlineMs);
    Promise.resolve()
      .then(fn)
      .then(
        () => {
          clearTimeout(timer);
          logger?.info("stopped");
          exit(0);
        },
        (error: unknown) => {
          clearTimeout(timer);
          logger?.error({ err: error }, "shutdown failed");
          exit(1);
        },
      );
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

function exit(code: number): void {
  // Let stdout drain (pino writes asynchronously) before the process goes.
  process.exitCode = code;
  setImmediate(() => process.exit(code));
}

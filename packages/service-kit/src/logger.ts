// Structured JSON logs on stdout. Services bind `service`; a domain's code binds `domid` with
// `logger.child({ domid })`, so every line can be attributed.
import pino, { type DestinationStream, type Level, type Logger } from "pino";

export type { Logger };
export type LogLevel = Level | "silent";
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** Every service's LOG_LEVEL when unset. */
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  bindings?: Record<string, unknown>;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream;
}

// Field names that may carry secrets are censored wherever they appear one level deep.
const REDACT = ["token", "sessionKey", "session_key", "clusterToken", "dom0Token", "*.token", "*.sessionKey"];

export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level ?? DEFAULT_LOG_LEVEL,
    base: { service: options.service, ...options.bindings },
    redact: { paths: REDACT, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that writes nothing, for libraries and tests that were not given one. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

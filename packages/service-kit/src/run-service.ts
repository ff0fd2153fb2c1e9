// A service process from start to exit: the environment read and checked once against the
// service's spec, the logger, SIGINT/SIGTERM to a graceful stop, and the exit code a supervisor
// acts on (the launcher does not restart a service that refused its configuration).
import type { ConfigOf, Reader } from "./env.js";
import { ConfigError } from "./env.js";
import { type EnvSpec, type EnvVars, readEnv } from "./env-spec.js";
import { createLogger, type Logger, type LogLevel } from "./logger.js";
import { onShutdown } from "./shutdown.js";

/** How a service process ends. */
export const SERVICE_EXIT = {
  /** Stopped by a signal, cleanly. */
  stopped: 0,
  /** Failed to start, or its stop failed. */
  failed: 1,
  /** Refused its configuration: starting it again cannot help. */
  config: 2,
} as const;

export interface ServiceContext {
  readonly logger: Logger;
  /** Aborted by SIGINT/SIGTERM: a start still waiting (for a hypervisor that is away) gives up. */
  readonly signal: AbortSignal;
}

export interface RunningService {
  close(): Promise<void>;
}

export interface ServiceDefinition<
  S extends EnvVars & { LOG_LEVEL: Reader<LogLevel> },
  R extends RunningService,
> {
  /** The `service` field of every log line, and the prefix of what goes to stderr. */
  readonly name: string;
  readonly env: EnvSpec<S>;
  /** Fields bound on every log line (dom0's `domid: 0`). */
  readonly bindings?: (config: ConfigOf<S>) => Record<string, unknown>;
  start(config: ConfigOf<S>, context: ServiceContext): Promise<R>;
  /** The line logged once started: its fields and message. */
  readonly ready: (running: R) => [fields: Record<string, unknown>, message: string];
}

/** Runs the service until a signal stops it; the process exits with a SERVICE_EXIT code. */
export async function runService<
  S extends EnvVars & { LOG_LEVEL: Reader<LogLevel> },
  R extends RunningService,
>(service: ServiceDefinition<S, R>): Promise<void> {
  let config: ConfigOf<S>;
  try {
    config = readEnv(service.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${service.name}: ${error.message}`);
    process.exit(SERVICE_EXIT.config);
  }
  const logger = createLogger({
    service: service.name,
    level: config.LOG_LEVEL as LogLevel,
    bindings: service.bindings?.(config) ?? {},
  });
  const stopping = new AbortController();
  let starting: Promise<R> | undefined;
  // Registered before the start begins: a signal during start-up aborts it, waits for it to finish
  // (or give up), then stops what started.
  onShutdown(
    async () => {
      stopping.abort();
      const running = await starting?.catch(() => undefined);
      await running?.close();
    },
    { logger },
  );
  starting = service.start(config, { logger, signal: stopping.signal });
  let running: R;
  try {
    running = await starting;
  } catch (error) {
    if (stopping.signal.aborted) return; // stopped while starting: the shutdown handler exits
    if (error instanceof ConfigError) {
      console.error(`${service.name}: ${error.message}`);
      process.exit(SERVICE_EXIT.config);
    }
    logger.fatal({ err: error }, "failed to start");
    console.error(`${service.name}: failed to start`, error);
    process.exitCode = SERVICE_EXIT.failed;
    setImmediate(() => process.exit(SERVICE_EXIT.failed)); // let the log line drain first
    return;
  }
  const [fields, message] = service.ready(running);
  logger.info(fields, message);
}

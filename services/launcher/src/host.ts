// A running host: services started tier by tier (each tier ready before the next starts), kept
// running by their supervisors, and stopped in reverse. What ends the host on its own — a
// service crashing past the restart limit — is reported through `failure`.
import { ChildExitedError, type LauncherError, NotReadyError, StartAbortedError } from "./errors.js";
import { logTail } from "./log-tail.js";
import type { ServiceSpec } from "./plan.js";
import { LOG_TAIL_LINES } from "./readiness.js";
import type { RestartPolicy } from "./restart-policy.js";
import type { ServiceEntry } from "./service-entry.js";
import { SupervisedService } from "./supervisor.js";

export interface Launchable {
  readonly spec: ServiceSpec;
  readonly entry: ServiceEntry;
}

export interface StartOptions {
  readonly logDir: string;
  /** How long a service may take to answer /readyz the first time. */
  readonly readyTimeoutMs: number;
  /** How long each tier may take to exit after SIGTERM before it is killed. */
  readonly stopDeadlineMs: number;
  /** Restart crashed services, or let crashes stand. */
  readonly policy: RestartPolicy;
  readonly onProgress?: (message: string) => void;
  /** Crashes and restarts, while starting and after; onProgress when absent. */
  readonly onEvent?: (message: string) => void;
  /** Aborting stops what has started and makes startHost reject with StartAbortedError. */
  readonly abort?: AbortSignal;
}

export interface RunningHost {
  /** Every service, in start order. */
  readonly services: readonly SupervisedService[];
  /** Settles when a service will not run again and the host should stop. */
  readonly failure: Promise<LauncherError>;
  /** Stops every service (guests, then dom0, then the hypervisor). Safe to call twice. */
  stop(): Promise<void>;
}

export async function startHost(
  tiers: readonly (readonly Launchable[])[],
  options: StartOptions,
): Promise<RunningHost> {
  const started: SupervisedService[][] = [];
  let fail: (error: LauncherError) => void = () => {};
  const failure = new Promise<LauncherError>((resolve) => {
    fail = resolve;
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      for (const tier of [...started].reverse()) {
        await Promise.all(tier.map((service) => service.stop(options.stopDeadlineMs)));
      }
    })();
    return stopped;
  };
  const context = {
    logDir: options.logDir,
    policy: options.policy,
    onEvent: options.onEvent ?? options.onProgress ?? (() => {}),
    onFatal: (error: LauncherError) => fail(error),
  };
  options.abort?.addEventListener("abort", stop);
  try {
    for (const tier of tiers) {
      if (options.abort?.aborted) throw new StartAbortedError();
      const services = tier.map(({ spec, entry }) => new SupervisedService(spec, entry, context));
      started.push(services);
      await Promise.all(services.map((service) => firstStart(service, options)));
    }
    if (options.abort?.aborted) throw new StartAbortedError();
  } catch (error) {
    await stop();
    // Services stopped by the abort fail their readiness wait: that is not their fault.
    throw options.abort?.aborted ? new StartAbortedError() : error;
  } finally {
    options.abort?.removeEventListener("abort", stop);
  }
  return { services: started.flat(), failure, stop };
}

/**
 * Waits for a service's first readiness. The hypervisor and dom0 are needed by everything after
 * them: their failure ends start-up. A guest is no one's dependency: one that is slow is left to
 * come up later, and one that crashes with restarts off stays down while the others start.
 */
async function firstStart(service: SupervisedService, options: StartOptions): Promise<void> {
  const { name, port, role } = service.spec;
  options.onProgress?.(`starting ${name} on port ${port}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.readyTimeoutMs);
  });
  try {
    const outcome = await Promise.race([service.ready, timeout]);
    if (outcome !== "timeout") {
      options.onProgress?.(`${name} ready`);
      return;
    }
    if (role === "guest") {
      options.onProgress?.(`${name} not ready after ${options.readyTimeoutMs / 1000}s; still waiting for it`);
      return;
    }
    throw new NotReadyError(
      name,
      options.readyTimeoutMs,
      service.logPath,
      await logTail(service.logPath, LOG_TAIL_LINES),
    );
  } catch (error) {
    const crashStands = error instanceof ChildExitedError && !options.policy.restart;
    if (role === "guest" && crashStands) return;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

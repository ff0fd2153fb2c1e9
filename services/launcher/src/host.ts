// A running host: services started tier by tier (each tier ready before the next starts) and
// stopped in reverse. A service that dies on its own is reported through `failure`.
import { type ChildExitedError, StartAbortedError } from "./errors.js";
import type { ServiceSpec } from "./plan.js";
import { type ServiceProcess, spawnService } from "./processes.js";
import { exitError, waitReady } from "./readiness.js";
import type { ServiceEntry } from "./service-entry.js";

export interface Launchable {
  readonly spec: ServiceSpec;
  readonly entry: ServiceEntry;
}

export interface StartOptions {
  readonly logDir: string;
  readonly readyTimeoutMs: number;
  /** How long each tier may take to exit after SIGTERM before it is killed. */
  readonly stopDeadlineMs: number;
  readonly onProgress?: (message: string) => void;
  /** Aborting stops what has started and makes startHost reject with StartAbortedError. */
  readonly abort?: AbortSignal;
}

export interface RunningHost {
  /** Every started service, in start order. */
  readonly services: readonly ServiceProcess[];
  /** Settles with the first service that exits while the host is not stopping. */
  readonly failure: Promise<ChildExitedError>;
  /** Stops every service (guests, then dom0, then the hypervisor). Safe to call twice. */
  stop(): Promise<void>;
}

export async function startHost(
  tiers: readonly (readonly Launchable[])[],
  options: StartOptions,
): Promise<RunningHost> {
  const started: ServiceProcess[][] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      for (const tier of [...started].reverse()) {
        await Promise.all(tier.map((service) => service.stop(options.stopDeadlineMs)));
      }
    })();
    return stopped;
  };
  options.abort?.addEventListener("abort", stop);
  try {
    for (const tier of tiers) {
      if (options.abort?.aborted) throw new StartAbortedError();
      const processes = tier.map(({ spec, entry }) => spawnService(spec, entry, options.logDir));
      started.push(processes);
      await Promise.all(
        processes.map(async (service) => {
          options.onProgress?.(`starting ${service.spec.name} on port ${service.spec.port}`);
          await waitReady(service, options.readyTimeoutMs);
          options.onProgress?.(`${service.spec.name} ready`);
        }),
      );
    }
  } catch (error) {
    await stop();
    // Services stopped by the abort fail their readiness wait: that is not their fault.
    throw options.abort?.aborted ? new StartAbortedError() : error;
  } finally {
    options.abort?.removeEventListener("abort", stop);
  }
  const services = started.flat();
  const failure = Promise.race(
    services.map(async (service) => {
      await service.exited;
      // An exit caused by stop() is not a failure: leave this branch pending forever.
      if (service.stopping) return new Promise<never>(() => {});
      return exitError(service);
    }),
  );
  return { services, failure, stop };
}

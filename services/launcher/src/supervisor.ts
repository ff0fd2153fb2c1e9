// One service under supervision: started, watched, and after a crash either started again (with
// backoff, within the restart limit) or left down (--no-restart). Every start after the first
// appends to the service's log; the launcher is told of each crash and restart.
import { setTimeout as sleep } from "node:timers/promises";
import { SERVICE_EXIT } from "@xenfs/service-kit";
import { type ChildExitedError, type LauncherError, RestartLimitError, StartAbortedError } from "./errors.js";
import { logTail } from "./log-tail.js";
import type { ServiceSpec } from "./plan.js";
import { type ExitStatus, type ServiceProcess, spawnService } from "./processes.js";
import { exitError, LOG_TAIL_LINES, pollReady } from "./readiness.js";
import { CrashHistory, type RestartPolicy } from "./restart-policy.js";
import type { ServiceEntry } from "./service-entry.js";

export type ServiceState = "starting" | "running" | "restarting" | "crashed" | "stopped";

/** What the status shows of one service. */
export interface ServiceStatus {
  readonly name: string;
  readonly pid: number | undefined;
  readonly state: ServiceState;
  readonly restarts: number;
  /** While restarting: milliseconds until the next start. */
  readonly restartInMs: number | undefined;
  /** How the last crash ended ("SIGKILL", "code 1"); undefined before any. */
  readonly lastExit: string | undefined;
}

export interface SupervisionContext {
  readonly logDir: string;
  readonly policy: RestartPolicy;
  /** A crash, a scheduled restart, a service running again: one line for people. */
  readonly onEvent: (message: string) => void;
  /** The service will not run again (restart limit, or a configuration it refuses). */
  readonly onFatal: (error: LauncherError) => void;
}

export function describeExit(status: ExitStatus): string {
  return status.signal ?? `code ${status.code}`;
}

export class SupervisedService {
  readonly logPath: string;
  /** Settles when the service is first ready; rejects if it ends for good before that. */
  readonly ready: Promise<void>;
  #resolveReady: () => void = () => {};
  #rejectReady: (error: LauncherError) => void = () => {};
  #process: ServiceProcess | undefined;
  #state: ServiceState = "starting";
  #restarts = 0;
  #restartAt: number | undefined;
  #lastExit: ExitStatus | undefined;
  readonly #stop = new AbortController();
  readonly #history: CrashHistory;
  readonly #running: Promise<void>;

  constructor(
    readonly spec: ServiceSpec,
    private readonly entry: ServiceEntry,
    private readonly context: SupervisionContext,
  ) {
    this.#history = new CrashHistory(context.policy);
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // the host may have stopped waiting for it
    this.#process = spawnService(spec, entry, context.logDir);
    this.logPath = this.#process.logPath;
    this.#running = this.#supervise(this.#process);
  }

  /** The current process (the last one, once it has ended for good). */
  get process(): ServiceProcess | undefined {
    return this.#process;
  }

  get pid(): number | undefined {
    return this.#state === "starting" || this.#state === "running" ? this.#process?.pid : undefined;
  }

  get state(): ServiceState {
    return this.#state;
  }

  get restarts(): number {
    return this.#restarts;
  }

  status(now = Date.now()): ServiceStatus {
    return {
      name: this.spec.name,
      pid: this.pid,
      state: this.#state,
      restarts: this.#restarts,
      restartInMs: this.#restartAt === undefined ? undefined : Math.max(0, this.#restartAt - now),
      lastExit: this.#lastExit && describeExit(this.#lastExit),
    };
  }

  /** Stops the service for good: no restart after this. */
  async stop(deadlineMs: number): Promise<void> {
    this.#stop.abort();
    this.#rejectReady(new StartAbortedError()); // no-op once it was ready
    await this.#process?.stop(deadlineMs);
    await this.#running;
    this.#state = "stopped";
  }

  async #supervise(first: ServiceProcess): Promise<void> {
    const { policy, onEvent } = this.context;
    const name = this.spec.name;
    const signal = this.#stop.signal;
    for (let child = first; ; ) {
      this.#state = "starting";
      if (await pollReady(child, signal)) {
        this.#state = "running";
        this.#resolveReady();
        if (this.#restarts > 0) onEvent(`${name} is running again (restart ${this.#restarts})`);
      }
      const status = await child.exited;
      if (signal.aborted) return;
      this.#lastExit = status;
      const crash = await exitError(child);
      if (!policy.restart) {
        this.#state = "crashed";
        onEvent(`${name} crashed (${describeExit(status)}); left down (--no-restart)`);
        this.#rejectReady(crash);
        return;
      }
      // A service that refused its configuration: restarting it cannot help.
      if (status.code === SERVICE_EXIT.config) return this.#giveUp(crash);
      const recent = this.#history.record(Date.now());
      if (!this.#history.allows(recent)) {
        const tail = await logTail(child.logPath, LOG_TAIL_LINES);
        const last = describeExit(status);
        return this.#giveUp(new RestartLimitError(name, recent, policy.windowMs, last, child.logPath, tail));
      }
      const delay = this.#history.delayMs(recent);
      this.#state = "restarting";
      this.#restartAt = Date.now() + delay;
      onEvent(`${name} crashed (${describeExit(status)}); restarting ${name} in ${delay} ms`);
      await sleep(delay, undefined, { signal }).catch(() => {});
      this.#restartAt = undefined;
      if (signal.aborted) return;
      this.#restarts += 1;
      child = spawnService(this.spec, this.entry, this.context.logDir, this.#restarts);
      this.#process = child;
    }
  }

  #giveUp(error: ChildExitedError | RestartLimitError): void {
    this.#state = "crashed";
    this.#rejectReady(error);
    this.context.onFatal(error);
  }
}

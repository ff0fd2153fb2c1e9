// When a crashed service is started again: after an exponential backoff, and only while it has
// not crashed too often lately. Pure, so the arithmetic is checked without processes.

export interface RestartPolicy {
  /** false: a crash stands (--no-restart). */
  readonly restart: boolean;
  /** Crashes tolerated within `windowMs`; one more stops the host. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** The first restart's delay; each further crash within the window doubles it, up to the cap. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  restart: true,
  maxRestarts: 5,
  windowMs: 60_000,
  backoffMinMs: 200,
  backoffMaxMs: 5_000,
};

export const NO_RESTART: RestartPolicy = { ...DEFAULT_RESTART_POLICY, restart: false };

/** Crash times of one service; old ones fall out of the window. */
export class CrashHistory {
  #times: number[] = [];

  constructor(private readonly policy: RestartPolicy) {}

  /** Records a crash at `now`; returns how many crashes the window now holds (this one included). */
  record(now: number): number {
    this.#times = [...this.#times.filter((t) => now - t < this.policy.windowMs), now];
    return this.#times.length;
  }

  /** Whether the `recent`-th crash in the window may still be restarted. */
  allows(recent: number): boolean {
    return recent <= this.policy.maxRestarts;
  }

  /** The pause before restarting after the `recent`-th crash in the window. */
  delayMs(recent: number): number {
    const { backoffMinMs, backoffMaxMs } = this.policy;
    return Math.min(backoffMaxMs, backoffMinMs * 2 ** Math.max(0, recent - 1));
  }
}

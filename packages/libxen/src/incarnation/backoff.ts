// How long a domain waits before trying again: one policy shape (min, max, factor) with a name, so
// every retry in the tree says which policy it follows and the numbers are stated once.

export interface BackoffPolicy {
  /** Said in logs: which policy a wait follows. */
  readonly name: string;
  /** The first wait. */
  readonly minMs: number;
  /** No wait is longer. */
  readonly maxMs: number;
  /** Each further attempt waits this many times longer, up to `maxMs`. */
  readonly factor: number;
}

/**
 * Joining (and joining again) while the hypervisor is away, or still holds a previous
 * incarnation of the same domain until its lease runs out (EEXIST).
 */
export const INCARNATION_BACKOFF: BackoffPolicy = {
  name: "incarnation",
  minMs: 100,
  maxMs: 2_000,
  factor: 2,
};

/**
 * Reconnecting a dropped session within its lease: short, since the lease (10 s by default, far
 * less in tests) bounds the whole attempt.
 */
export const RESUME_BACKOFF: BackoffPolicy = {
  name: "resume",
  minMs: 25,
  maxMs: 1_000,
  factor: 2,
};

/** The wait before attempt `attempt` + 1, counting from 0. */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.minMs * policy.factor ** attempt);
}

/** Waits `ms`, or less once `signal` aborts (never rejects: the caller checks the signal). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

// Joining the hypervisor as a domain that may have been here before. The hypervisor keeps one
// domain per name (and one dom0): while a previous incarnation's lease runs out a new one is
// refused with EEXIST, and a hypervisor that is not up refuses the connection. Both are waited out
// with backoff; a wrong token or name is not.
import { XenDomain } from "../domain.js";
import { XenError } from "../errors.js";
import type { XenSessionOptions } from "../session.js";
import { type BackoffPolicy, backoffDelay, INCARNATION_BACKOFF, pause } from "./backoff.js";

/** Refusals that waiting does not cure: a wrong token or name. */
const FATAL_CODES: ReadonlySet<string> = new Set(["EACCES", "EINVAL"]);

/** Whether waiting cannot make the hypervisor accept this join. */
export function isFatalJoinError(error: unknown): boolean {
  return error instanceof XenError && FATAL_CODES.has(error.code);
}

export interface JoinRetryOptions {
  /** Aborted: stop waiting and reject with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  readonly backoff?: BackoffPolicy | undefined;
}

/** XenDomain.join, tried again with backoff until it joins, fails for good, or `signal` aborts. */
export async function joinDomain(
  options: XenSessionOptions,
  retry: JoinRetryOptions = {},
): Promise<XenDomain> {
  const { signal, backoff = INCARNATION_BACKOFF } = retry;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await XenDomain.join(options);
    } catch (error) {
      if (isFatalJoinError(error)) throw error;
      const retryInMs = backoffDelay(backoff, attempt);
      options.logger?.warn(
        { err: error, name: options.name, retryInMs, backoff: backoff.name },
        "the hypervisor is not up or still holds this domain's previous incarnation; retrying join",
      );
      await pause(retryInMs, signal);
    }
  }
}

// Joining while a previous incarnation is still dying. The hypervisor keeps one dom0 (and one
// domain per name): a dom0 whose process died stays in place until its session lease runs out,
// and a new dom0 meanwhile is refused with EEXIST. So a restarted backend retries with backoff.
import { XenDomain, XenError, type XenSessionOptions } from "@xenfs/libxen";

const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1_000;

/** XenDomain.join, retried while the hypervisor answers EEXIST, for up to `deadlineMs`. */
export async function joinRetrying(options: XenSessionOptions, deadlineMs = 60_000): Promise<XenDomain> {
  const giveUpAt = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await XenDomain.join(options);
    } catch (error) {
      const retry = error instanceof XenError && error.code === "EEXIST" && Date.now() < giveUpAt;
      if (!retry) throw error;
      options.logger?.info(
        { attempt, reason: error.message },
        "previous incarnation still alive; retrying join",
      );
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

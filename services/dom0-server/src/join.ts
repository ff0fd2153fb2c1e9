// Joining the hypervisor as dom0. The hypervisor refuses a second dom0 while the last one is
// within its lease (a restart), and may not be up yet: both are waited out with backoff.
import { type MemoryTransport, XenDomain, XenError } from "@xenfs/libxen";
import type { Logger } from "@xenfs/service-kit";

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;
/** Refusals that waiting does not cure: a wrong token or name. */
const FATAL: ReadonlySet<string> = new Set(["EACCES", "EINVAL"]);

export interface JoinOptions {
  readonly url: string;
  readonly token: string;
  readonly logger: Logger;
  readonly memoryTransport?: MemoryTransport | undefined;
  /** Aborted: stop retrying and reject. */
  readonly signal: AbortSignal;
}

export async function joinAsDom0({
  url,
  token,
  logger,
  memoryTransport,
  signal,
}: JoinOptions): Promise<XenDomain> {
  for (let delay = BACKOFF_MIN_MS; ; delay = Math.min(2 * delay, BACKOFF_MAX_MS)) {
    signal.throwIfAborted();
    try {
      return await XenDomain.join({
        url,
        token,
        name: "Domain-0",
        logger,
        memoryTransport: memoryTransport ?? "shm",
      });
    } catch (error) {
      if (error instanceof XenError && FATAL.has(error.code)) throw error;
      logger.warn({ err: error, retryInMs: delay }, "hypervisor refused dom0 or is not up; retrying");
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

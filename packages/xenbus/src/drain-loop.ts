// The consumer's side of ring.h: on each event, take everything, then the final check before
// sleeping — `do { consume } while (RING_FINAL_CHECK_FOR_…)` — one pass at a time.
import type { XenDomain } from "@xenfs/libxen";

class DrainLoop {
  #running = false;
  #again = false;

  constructor(
    private readonly consume: () => void,
    private readonly finalCheck: () => Promise<boolean>,
    private readonly onError: (error: Error) => void,
  ) {}

  /** An event arrived (or work may be waiting): drain now, or once more after the running pass. */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#run().catch((error: unknown) => {
      this.#running = false;
      this.onError(error as Error);
    });
  }

  async #run(): Promise<void> {
    for (;;) {
      this.#again = false;
      this.consume();
      // A kick during the final check's barrier is an event that check may have missed.
      if (this.#again || (await this.finalCheck()) || this.#again) continue;
      this.#running = false;
      return;
    }
  }
}

/**
 * How often a ring end looks at its ring with no event: an event channel may lose a notification
 * (an injected evtchn_lose fault, docs/faults.md), and the work behind it must not wait for ever.
 * A look that finds nothing changes nothing, like a spurious event.
 */
export const RING_POLL_MS = 250;

/**
 * Drains on every event of `port`, every RING_POLL_MS, and once right away for work that came
 * before; failures go to the session's error event. Returns the detach function.
 */
export function drainOnEvents(
  domain: XenDomain,
  port: number,
  consume: () => void,
  finalCheck: () => Promise<boolean>,
): () => void {
  const loop = new DrainLoop(consume, finalCheck, (error) => domain.session.reportError(error));
  const detach = domain.events.on(port, () => loop.kick());
  const poll = setInterval(() => loop.kick(), RING_POLL_MS).unref();
  loop.kick();
  return () => {
    clearInterval(poll);
    detach();
  };
}

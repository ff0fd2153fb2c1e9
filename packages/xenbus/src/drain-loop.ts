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
 * Drains on every event of `port`, and once right away for work that came before; failures go to
 * the session's error event. Returns the detach function.
 */
export function drainOnEvents(
  domain: XenDomain,
  port: number,
  consume: () => void,
  finalCheck: () => Promise<boolean>,
): () => void {
  const loop = new DrainLoop(consume, finalCheck, (error) => domain.session.reportError(error));
  const detach = domain.events.on(port, () => loop.kick());
  loop.kick();
  return detach;
}

// The hypervisor numbers every frame it sends (1, 2, 3, …) and may, under injected faults,
// duplicate, delay (so reorder) or drop them. Frames are processed in that order, once each:
// duplicates are ignored and early frames wait for the missing one. A gap that stays open means
// a lost frame, which only a resume (replay after `lastSeen`) can bring back.

/** Marks a place already dealt with out of band (a handshake reply): it only fills the gap. */
const HANDLED = Symbol("handled");

export class InboundOrder<T> {
  readonly #early = new Map<number, T | typeof HANDLED>();
  #lastSeen = 0;
  #gapSince = 0;

  /** The last frame processed: what a resume asks the hypervisor to replay after. */
  get lastSeen(): number {
    return this.#lastSeen;
  }

  /** Frames held behind a gap. */
  get held(): number {
    return this.#early.size;
  }

  /** When the current gap opened (ms since epoch), or undefined when there is none. */
  get gapSince(): number | undefined {
    return this.#early.size > 0 ? this.#gapSince : undefined;
  }

  /** Takes frame `seq`; returns the frames now ready, in order (none for a duplicate or an early one). */
  accept(seq: number, frame: T): T[] {
    return this.#take(seq, frame);
  }

  /** Frame `seq` was handled already; returns the frames it unblocks. */
  skip(seq: number): T[] {
    return this.#take(seq, HANDLED);
  }

  /** A new connection replays everything after `lastSeen`: what was held will come again. */
  reset(): void {
    this.#early.clear();
  }

  /**
   * A new session (an attach to a restored domain) numbers its frames from 1 again; `lastSeen`
   * puts back where the old one was, when such an attach was refused and the old one resumes.
   */
  restart(lastSeen = 0): void {
    this.#early.clear();
    this.#lastSeen = lastSeen;
  }

  #take(seq: number, frame: T | typeof HANDLED): T[] {
    if (seq <= this.#lastSeen || this.#early.has(seq)) return [];
    const before = this.#lastSeen;
    const wasEmpty = this.#early.size === 0;
    this.#early.set(seq, frame);
    const ready: T[] = [];
    for (
      let next = this.#early.get(before + 1);
      next !== undefined;
      next = this.#early.get(this.#lastSeen + 1)
    ) {
      this.#early.delete(++this.#lastSeen);
      if (next !== HANDLED) ready.push(next);
    }
    // The wait for the next missing frame starts when a gap opens or progress is made.
    if (wasEmpty || this.#lastSeen !== before) this.#gapSince = Date.now();
    return ready;
  }
}

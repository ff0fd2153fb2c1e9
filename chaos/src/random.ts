/**
 * A seeded generator (mulberry32): the schedule and every actor's choices come from the
 * scenario's seed, so a run's faults and operations repeat (the interleaving is the OS's).
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A generator of its own for one actor, so actors' streams do not depend on each other's pace. */
  fork(stream: number): Random {
    return new Random(Math.imul(this.#state ^ (stream + 1), 0x9e3779b1) ^ (stream * 7919));
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

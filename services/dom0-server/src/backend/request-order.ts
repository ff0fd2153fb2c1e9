// Which of one guest's requests may run at the same time. Requests are admitted in ring order;
// each claims keys, shared or exclusive, and waits only for earlier requests whose claims
// conflict with its own (a reader-writer lock per key, taken in ring order). So reads of
// different files, or of one file, overlap, while a write waits for the reads before it and
// the reads after it wait for the write.

export type Access = "shared" | "exclusive";

export interface Claim {
  readonly key: string;
  readonly access: Access;
}

interface KeyState {
  /** The latest exclusive holder's completion. */
  exclusive: Promise<void>;
  /** Completions of the shared holders since it. */
  readonly shared: Set<Promise<void>>;
}

const DONE = Promise.resolve();

export class RequestOrder {
  readonly #keys = new Map<string, KeyState>();

  /** Runs `fn` once every earlier request conflicting with `claims` has finished. */
  run<T>(claims: readonly Claim[], fn: () => Promise<T>): Promise<T> {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const waits: Promise<void>[] = [];
    for (const { key, access } of claims) {
      const state = this.#keys.get(key) ?? { exclusive: DONE, shared: new Set() };
      this.#keys.set(key, state);
      waits.push(state.exclusive);
      if (access === "exclusive") {
        waits.push(...state.shared);
        state.shared.clear();
        state.exclusive = finished;
      } else {
        state.shared.add(finished);
      }
    }
    const result = Promise.all(waits).then(fn);
    void result
      .catch(() => {})
      .finally(() => {
        finish();
        this.#forget(claims, finished);
      });
    return result;
  }

  #forget(claims: readonly Claim[], finished: Promise<void>): void {
    for (const { key } of claims) {
      const state = this.#keys.get(key);
      if (!state) continue;
      state.shared.delete(finished);
      if (state.exclusive === finished) state.exclusive = DONE;
      if (state.exclusive === DONE && state.shared.size === 0) this.#keys.delete(key);
    }
  }
}

// The free list of grant references, as Linux's gnttab keeps one. Refs below
// GNTTAB_NR_RESERVED_ENTRIES belong to the toolstack (console, xenstore) and are never handed out.
import { XenError } from "./errors.js";

/** grant_table.h */
export const GNTTAB_RESERVED = {
  CONSOLE: 0,
  XENSTORE: 1,
  NR_ENTRIES: 8,
} as const;

export class GrantRefs {
  // Insertion-ordered: a freed ref goes to the back, so it is reused as late as possible and a
  // peer's stale reference is less likely to meet a new grant.
  readonly #free = new Set<number>();
  #size = 0;

  /** Entries the table has now; growing adds the new refs to the free list. */
  get size(): number {
    return this.#size;
  }

  grow(nrEntries: number): void {
    for (let ref = Math.max(this.#size, GNTTAB_RESERVED.NR_ENTRIES); ref < nrEntries; ref++)
      this.#free.add(ref);
    this.#size = Math.max(this.#size, nrEntries);
  }

  take(op: string): number {
    const { value: ref } = this.#free.values().next();
    if (ref === undefined)
      throw XenError.errno("ENOSPC", op, `no free grant reference among ${this.#size} entries`);
    this.#free.delete(ref);
    return ref;
  }

  /** `count` refs at once, from one walk of the free list (each take walks past deleted slots). */
  takeMany(count: number, op: string): number[] {
    if (count > this.#free.size)
      throw XenError.errno("ENOSPC", op, `${count} refs wanted, ${this.#free.size} free of ${this.#size}`);
    const refs: number[] = [];
    for (const ref of this.#free) {
      if (refs.length === count) break;
      refs.push(ref);
    }
    for (const ref of refs) this.#free.delete(ref);
    return refs;
  }

  put(ref: number): void {
    if (ref >= GNTTAB_RESERVED.NR_ENTRIES && ref < this.#size) this.#free.add(ref);
  }

  get available(): number {
    return this.#free.size;
  }
}

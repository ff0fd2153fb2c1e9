import type { XsChange, XsDatabase } from "./database.js";
import { XsError } from "./errors.js";

/** A modification, replayable against the live database when the transaction commits. */
export type XsOperation = (db: XsDatabase) => XsChange[];

/**
 * A transaction works on a private fork of the database and remembers the generation of every
 * node it read or wrote. Commit fails with EAGAIN if any of them changed meanwhile; otherwise its
 * operations are replayed on the live database, which then produces the watch events.
 */
export class XsTransaction {
  readonly db: XsDatabase;
  readonly #seen = new Map<string, number | undefined>();
  readonly #log: XsOperation[] = [];

  constructor(
    readonly id: number,
    live: XsDatabase,
  ) {
    this.db = live.fork((path, node) => {
      if (!this.#seen.has(path)) this.#seen.set(path, node?.generation);
    });
  }

  apply(op: XsOperation): void {
    op(this.db);
    this.#log.push(op);
  }

  /** All or nothing: a failed replay (a quota hit meanwhile) leaves `live` untouched. */
  commit(live: XsDatabase): XsChange[] {
    for (const [path, generation] of this.#seen) {
      if (live.get(path)?.generation !== generation) {
        throw new XsError("EAGAIN", `transaction ${this.id}: ${path} changed meanwhile`);
      }
    }
    const target = live.fork();
    const changes = this.#log.flatMap((op) => op(target));
    live.adopt(target);
    return changes;
  }
}

const TX_ID_LIMIT = 2 ** 32;

/** A connection's open transactions; ids are u32, never 0 (0 means "no transaction"). */
export class TransactionTable {
  readonly #open = new Map<number, XsTransaction>();
  #next = 1;

  get size(): number {
    return this.#open.size;
  }

  start(live: XsDatabase): XsTransaction {
    while (this.#next === 0 || this.#open.has(this.#next)) this.#next = (this.#next + 1) % TX_ID_LIMIT;
    const tx = new XsTransaction(this.#next, live);
    this.#next = (this.#next + 1) % TX_ID_LIMIT;
    this.#open.set(tx.id, tx);
    return tx;
  }

  get(id: number): XsTransaction {
    const tx = this.#open.get(id);
    if (!tx) throw new XsError("ENOENT", `no transaction ${id}`);
    return tx;
  }

  end(id: number): void {
    this.#open.delete(id);
  }

  clear(): void {
    this.#open.clear();
  }
}

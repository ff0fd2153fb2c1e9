// Every operation the workload issued, with when it started and ended (ms since the run began)
// and how it ended: the checker's only input besides the final state.
import type { Seen } from "./content.js";

export type Outcome =
  /** Acknowledged: dom0 answered success. */
  | "ok"
  /** Refused with an errno (EIO, ENOSPC, …): the operation did not happen, or the errno says what. */
  | "refused"
  /** No answer: the guest went away, the connection broke; the operation may or may not have happened. */
  | "failed"
  /** No answer within the deadline. */
  | "hung";

export interface Operation {
  /** A rename is a renamer's atomic replace: `<key>.tmp`, already written, renamed over the key. */
  readonly kind: "write" | "rename" | "read";
  readonly actor: string;
  readonly guest: number;
  readonly key: string;
  /** The version a write (or a rename) put in the key. */
  readonly version?: number;
  readonly start: number;
  end: number;
  outcome: Outcome;
  errno?: string;
  detail?: string;
  /** What a read saw. */
  seen?: Seen;
}

export class History {
  readonly ops: Operation[] = [];
  readonly #t0 = performance.now();

  now(): number {
    return Math.round(performance.now() - this.#t0);
  }

  begin(op: Omit<Operation, "start" | "end" | "outcome">): Operation {
    const started: Operation = { ...op, start: this.now(), end: -1, outcome: "failed" };
    this.ops.push(started);
    return started;
  }

  finish(
    op: Operation,
    outcome: Outcome,
    extra: Partial<Pick<Operation, "errno" | "detail" | "seen">> = {},
  ): void {
    op.end = this.now();
    op.outcome = outcome;
    Object.assign(op, extra);
  }
}

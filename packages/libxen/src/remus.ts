// Remus in the guest (docs/remus.md): the guest's part of each checkpoint, and output commit.
//
// Checkpoint k: the hypervisor's remus_checkpoint upcall stops the guest — in-place memory
// access waits (Memory.hold) and from this instant outputs belong to epoch k + 1 — and the guest
// answers remus_suspend(k); the hypervisor copies the checkpoint before it replies, and the reply
// lets the guest run again.
//
// Output commit: an answer the guest gives the outside world about a write (its admin API's
// reply, a XenFS write's acknowledgement) waits in `commit()` until the checkpoint of the epoch it
// was produced in is committed on the backup (remus_committed). Everything the answer reports
// was done before the guest stopped for that checkpoint, so that checkpoint holds it: an answer
// released is backed by state a failover activates. After a failover (remus_failover k), answers
// of epochs ≤ k are released, later ones fail (EIO): their state was lost with the primary.
import { XenError } from "./errors.js";
import type { Memory } from "./memory.js";
import type { XenSession } from "./session.js";

interface Waiter {
  readonly epoch: number;
  resolve(): void;
  reject(error: Error): void;
}

export interface RemusState {
  readonly protected: boolean;
  /** The epoch outputs produced now belong to. */
  readonly epoch: number;
  /** The last checkpoint the backup committed. */
  readonly committed: number;
  /** Outputs held, waiting for their checkpoint. */
  readonly held: number;
}

export class RemusOutputs {
  #protected = false;
  #epoch = 0;
  #committed = 0;
  #waiting: Waiter[] = [];
  /** Held by a drop while protected: released by the attach (failover) or the resume. */
  #heldByDrop = false;

  constructor(
    private readonly session: XenSession,
    private readonly memory: Memory,
  ) {
    session.onUpcall("remusProtect", ({ backupUrl, epoch }) => {
      if (backupUrl) {
        this.#protected = true;
        this.#committed = epoch ?? 0;
        this.#epoch = this.#committed + 1;
        session.setFailover(backupUrl);
      } else this.#unprotect();
    });
    session.onUpcall("remusCheckpoint", ({ epoch }) => this.#checkpoint(epoch ?? 0));
    session.onUpcall("remusCommitted", ({ epoch }) => this.#release(epoch ?? 0));
    session.onUpcall("remusFailover", ({ epoch }) => {
      this.#release(epoch ?? 0);
      const lost = this.#waiting;
      this.#waiting = [];
      for (const w of lost)
        w.reject(
          XenError.errno(
            "EIO",
            "remus",
            `lost in a failover: the domain runs from checkpoint ${epoch} on, not ${w.epoch}`,
          ),
        );
      this.#unprotect();
    });
    session.on("dropped", () => {
      // In-place writes now would go to the old host's frames: they wait for the attach.
      if (!this.#protected) return;
      this.#heldByDrop = true;
      memory.hold();
    });
    session.on("resumed", () => {
      if (!this.#heldByDrop) return;
      this.#heldByDrop = false;
      memory.release();
    });
    session.on("attached", () => {
      this.#heldByDrop = false;
    });
  }

  get state(): RemusState {
    return {
      protected: this.#protected,
      epoch: this.#epoch,
      committed: this.#committed,
      held: this.#waiting.length,
    };
  }

  /**
   * Resolves once everything this process did so far is in a checkpoint the backup committed —
   * at once when the domain is not protected. Call it between doing a write and saying so.
   */
  commit(): Promise<void> {
    if (!this.#protected || this.#epoch <= this.#committed) return Promise.resolve();
    const epoch = this.#epoch;
    return new Promise<void>((resolve, reject) => this.#waiting.push({ epoch, resolve, reject }));
  }

  #checkpoint(epoch: number): void {
    this.memory.hold();
    this.#epoch = epoch + 1;
    this.session
      .call({ remusSuspend: { epoch } })
      .catch((error: Error) => {
        // Sent again to the backup after a failover, it is refused there: no longer of interest.
        if (this.#protected) this.session.reportError(error);
      })
      .finally(() => {
        if (!this.#heldByDrop) this.memory.release();
      });
  }

  #release(epoch: number): void {
    if (epoch > this.#committed) this.#committed = epoch;
    const ready = this.#waiting.filter((w) => w.epoch <= this.#committed);
    if (ready.length === 0) return;
    this.#waiting = this.#waiting.filter((w) => w.epoch > this.#committed);
    for (const w of ready) w.resolve();
  }

  /** Protection ended (the backup is gone, or the domain failed over): nothing is held any more. */
  #unprotect(): void {
    this.#protected = false;
    this.session.setFailover(undefined);
    const all = this.#waiting;
    this.#waiting = [];
    for (const w of all) w.resolve();
  }
}

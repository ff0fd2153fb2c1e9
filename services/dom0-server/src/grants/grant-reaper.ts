// Ends dom0's grants safely. Ending access while a guest maps the frame is refused (GRANT_IN_USE),
// and a frame must not be freed or reused while granted, so: end at once when nobody maps it,
// else ask the mappers to unmap (GNTTABOP_revoke) and end once they did or the hypervisor took
// the mapping by force at the deadline.
import { GRANT_IN_USE, type GrantTable, XenError } from "@xenfs/libxen";

/** How often a revoked grant is retried while its mappers are still unmapping. */
const POLL_MS = 20;
/** Past the deadline the hypervisor has unmapped by force; this covers the upcall's trip. */
const FORCE_GRACE_MS = 1_000;

export class GrantStuckError extends Error {
  override readonly name = "GrantStuckError";
  readonly code = "EBUSY";
}

export class GrantReaper {
  #revocations = 0;
  readonly #ending = new Map<number, Promise<void>>();

  constructor(
    private readonly grants: GrantTable,
    readonly deadlineMs: number,
  ) {}

  /** Grants revoked so far (ones a guest still mapped when dom0 wanted them back). */
  get revocations(): number {
    return this.#revocations;
  }

  /**
   * Ends `ref`, revoking it first if a guest maps it. The caller must have forgotten `ref`
   * already, so nothing grants it anew meanwhile; ending the same ref twice joins the first.
   */
  end(ref: number): Promise<void> {
    const pending = this.#ending.get(ref);
    if (pending) return pending;
    const ending = this.#end(ref).finally(() => this.#ending.delete(ref));
    this.#ending.set(ref, ending);
    return ending;
  }

  /** Every end in progress has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#ending.values()]);
  }

  async #end(ref: number): Promise<void> {
    if (await this.#tryEnd(ref)) return;
    await this.grants.revoke(ref, this.deadlineMs);
    this.#revocations += 1;
    const giveUp = Date.now() + this.deadlineMs + FORCE_GRACE_MS;
    while (!(await this.#tryEnd(ref))) {
      if (Date.now() > giveUp)
        throw new GrantStuckError(`grant ${ref} still mapped past its revoke deadline`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async #tryEnd(ref: number): Promise<boolean> {
    try {
      await this.grants.endAccess(ref);
      return true;
    } catch (error) {
      if (error instanceof XenError && error.code === GRANT_IN_USE) return false;
      throw error;
    }
  }
}

// Page flipping with one guest (docs/xenfs.md "Page flipping"): the accept_transfer refs dom0
// offers it for write_flip, and the frames that arrive in them. Every ref is dom0's until the
// guest's frame arrives; what the guest never used, or used and never named in a write_flip (it
// died between the transfer and the request), is cleaned up at close, so no frame or entry leaks.
import { FLIP_REFS_MAX } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { XenfsRequestError } from "../errors.js";

export class GuestFlips {
  /** Refs offered to the guest and not yet used. */
  readonly #offered = new Set<number>();

  constructor(
    private readonly dom0: XenDomain,
    readonly domid: number,
  ) {}

  get offered(): number {
    return this.#offered.size;
  }

  /** Up to `count` more refs for the guest, as many as keep it within FLIP_REFS_MAX offered. */
  async offer(count: number): Promise<number[]> {
    const room = Math.min(count, FLIP_REFS_MAX - this.#offered.size);
    const refs: number[] = [];
    for (let i = 0; i < room; i++) {
      const ref = await this.dom0.grants.acceptTransfer(this.domid);
      this.#offered.add(ref);
      refs.push(ref);
    }
    return refs;
  }

  /**
   * The frames the guest transferred into `refs` (dom0's gpfns, in order); the refs are used up.
   * A ref dom0 did not offer, or one no frame arrived in, fails the whole request with EINVAL,
   * and the frames that did arrive are freed.
   */
  async receive(refs: readonly number[]): Promise<number[]> {
    const unknown = refs.find((ref) => !this.#offered.has(ref));
    if (unknown !== undefined)
      throw new XenfsRequestError("EINVAL", `ref ${unknown} was not offered for flips`);
    if (new Set(refs).size !== refs.length) throw new XenfsRequestError("EINVAL", "a flip ref named twice");
    // Xen wrote the entries during the guest's transfers, before its request's event: a
    // hypercall of ours orders them before what we read next.
    if (refs.some((ref) => !this.dom0.grants.transferResult(ref).completed))
      await this.dom0.grants.querySize();
    const empty = refs.find((ref) => !this.dom0.grants.transferResult(ref).completed);
    if (empty !== undefined) {
      await this.#release(refs);
      throw new XenfsRequestError("EINVAL", `no frame arrived in ref ${empty}`);
    }
    for (const ref of refs) this.#offered.delete(ref);
    return Promise.all(refs.map((ref) => this.dom0.grants.completeTransfer(ref)));
  }

  /** The guest is gone: frames that arrived go back to Xen, unused refs end. */
  async close(): Promise<void> {
    const refs = [...this.#offered];
    if (refs.some((ref) => !this.dom0.grants.transferResult(ref).completed))
      await this.dom0.grants.querySize();
    await this.#release(refs);
  }

  /** Ends `refs`: an arrived frame is freed, an unused entry cleared. */
  async #release(refs: readonly number[]): Promise<void> {
    const arrived: number[] = [];
    for (const ref of refs) {
      this.#offered.delete(ref);
      if (this.dom0.grants.transferResult(ref).completed)
        arrived.push(await this.dom0.grants.completeTransfer(ref));
      else await this.dom0.grants.endAccess(ref);
    }
    if (arrived.length > 0) await this.dom0.memory.decreaseReservation(arrived);
  }
}

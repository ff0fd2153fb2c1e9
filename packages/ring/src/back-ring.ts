import type { Consumed } from "./codec.js";
import { RingError } from "./errors.js";
import { checkNotify, idxAdd, idxDiff } from "./indices.js";
import type { RingPage } from "./page.js";
import type { RingTypes } from "./ring-types.js";
import { copySlot, putSlot } from "./slot.js";
import { Sring } from "./sring.js";

/**
 * The back end of a ring (struct <name>_back_ring): it takes requests off and puts responses
 * on. It never initialises the page, and trusts nothing the frontend writes: a req_prod no
 * well-behaved frontend could write breaks the ring for good, before anything past it is read.
 */
export class BackRing<Req, Rsp> {
  readonly sring: Sring;
  #rsp_prod_pvt: number;
  #req_cons: number;
  #broken: RingError | undefined;

  private constructor(
    page: RingPage,
    readonly types: RingTypes<Req, Rsp>,
    index: number,
  ) {
    this.sring = new Sring(page, types.entrySize, types.nr_ents);
    this.#rsp_prod_pvt = index >>> 0;
    this.#req_cons = index >>> 0;
  }

  /** BACK_RING_ATTACH (BACK_RING_INIT is `index` 0): join a page the frontend initialised. */
  static attach<Req, Rsp>(page: RingPage, types: RingTypes<Req, Rsp>, index = 0): BackRing<Req, Rsp> {
    return new BackRing(page, types, index);
  }

  get nr_ents(): number {
    return this.types.nr_ents;
  }
  get rsp_prod_pvt(): number {
    return this.#rsp_prod_pvt;
  }
  get req_cons(): number {
    return this.#req_cons;
  }

  /**
   * XEN_RING_NR_UNCONSUMED_REQUESTS: min(req_prod - req_cons, nr_ents - (req_cons -
   * rsp_prod_pvt)), the second term being RING_REQUEST_CONS_OVERFLOW (no slot left to answer in).
   * req_prod is read once and checked first (RING_REQUEST_PROD_OVERFLOW, or moved back behind
   * req_cons): a broken frontend gets no request at all, not a clamped count.
   */
  unconsumedRequests(): number {
    this.#ensureIntact();
    const req_prod = this.sring.req_prod;
    const produced = idxDiff(req_prod, this.#rsp_prod_pvt);
    const consumed = idxDiff(this.#req_cons, this.#rsp_prod_pvt);
    if (produced > this.nr_ents || produced < consumed) {
      this.#broken = new RingError(
        "EOVERFLOW",
        `broken frontend: req_prod ${req_prod} is outside the ring (rsp_prod_pvt ${this.#rsp_prod_pvt}, req_cons ${this.#req_cons}, nr_ents ${this.nr_ents})`,
      );
      throw this.#broken;
    }
    return Math.min(idxDiff(req_prod, this.#req_cons), this.nr_ents - consumed);
  }

  /**
   * RING_COPY_REQUEST of the next request, or undefined when there is none. A request that does
   * not decode comes back as `{ ok: false }`: answer it with an error, never act on it.
   */
  consumeRequest(): Consumed<Req> | undefined {
    if (this.unconsumedRequests() === 0) return undefined;
    const consumed = copySlot(this.sring, this.#req_cons, this.types.request);
    this.#req_cons = idxAdd(this.#req_cons, 1);
    return consumed;
  }

  /** Writes `rsp` into the next slot, which belongs to the oldest consumed, unanswered request. */
  produceResponse(rsp: Rsp): void {
    this.#ensureIntact();
    if (this.#rsp_prod_pvt === this.#req_cons) {
      throw new RingError("ENOSPC", "no consumed request awaits a response");
    }
    putSlot(this.sring, this.#rsp_prod_pvt, this.types.response, rsp);
    this.#rsp_prod_pvt = idxAdd(this.#rsp_prod_pvt, 1);
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY */
  pushResponses(): boolean {
    this.#ensureIntact();
    const old = this.sring.rsp_prod;
    const next = this.#rsp_prod_pvt;
    this.sring.rsp_prod = next;
    return checkNotify(old, next, this.sring.rsp_event);
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: as FrontRing.finalCheckForResponses, with req_event. */
  finalCheckForRequests(): boolean {
    if (this.unconsumedRequests() > 0) return true;
    this.sring.req_event = idxAdd(this.#req_cons, 1);
    return this.unconsumedRequests() > 0;
  }

  /** The error that broke the ring, if the frontend broke it. */
  get broken(): RingError | undefined {
    return this.#broken;
  }

  #ensureIntact(): void {
    if (this.#broken) throw this.#broken;
  }
}

import type { Consumed } from "./codec.js";
import { RingError } from "./errors.js";
import { checkNotify, idxAdd, idxDiff } from "./indices.js";
import type { RingPage } from "./page.js";
import type { RingTypes } from "./ring-types.js";
import { copySlot, putSlot } from "./slot.js";
import { Sring } from "./sring.js";

/**
 * The front end of a ring (struct <name>_front_ring): it puts requests on and takes responses
 * off. It trusts nothing the backend writes: a response index that runs past the requests it
 * made breaks the ring for good.
 */
export class FrontRing<Req, Rsp> {
  readonly sring: Sring;
  #req_prod_pvt: number;
  #rsp_cons: number;
  #broken: RingError | undefined;

  private constructor(
    page: RingPage,
    readonly types: RingTypes<Req, Rsp>,
    index: number,
  ) {
    this.sring = new Sring(page, types.entrySize, types.nr_ents);
    this.#req_prod_pvt = index >>> 0;
    this.#rsp_cons = index >>> 0;
  }

  /** XEN_FRONT_RING_INIT: SHARED_RING_INIT then FRONT_RING_INIT. Only the frontend does this. */
  static init<Req, Rsp>(page: RingPage, types: RingTypes<Req, Rsp>): FrontRing<Req, Rsp> {
    const ring = new FrontRing(page, types, 0);
    ring.sring.init();
    return ring;
  }

  /** FRONT_RING_ATTACH (FRONT_RING_INIT is `index` 0): take over an initialised page whose indices stand at `index`. */
  static attach<Req, Rsp>(page: RingPage, types: RingTypes<Req, Rsp>, index = 0): FrontRing<Req, Rsp> {
    return new FrontRing(page, types, index);
  }

  get nr_ents(): number {
    return this.types.nr_ents;
  }
  get req_prod_pvt(): number {
    return this.#req_prod_pvt;
  }
  get rsp_cons(): number {
    return this.#rsp_cons;
  }

  /** RING_FREE_REQUESTS */
  freeRequests(): number {
    return this.nr_ents - idxDiff(this.#req_prod_pvt, this.#rsp_cons);
  }

  /** RING_FULL */
  full(): boolean {
    return this.freeRequests() === 0;
  }

  /** Writes `req` into the next slot; the backend sees it after pushRequests(). */
  produceRequest(req: Req): void {
    this.#ensureIntact();
    if (this.full()) {
      throw new RingError("ENOSPC", `front ring full: ${this.nr_ents} requests await responses`);
    }
    putSlot(this.sring, this.#req_prod_pvt, this.types.request, req);
    this.#req_prod_pvt = idxAdd(this.#req_prod_pvt, 1);
  }

  /**
   * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publishes req_prod (after the entries, as the page
   * keeps write order) and says whether the backend asked to be notified of these requests.
   */
  pushRequests(): boolean {
    this.#ensureIntact();
    const old = this.sring.req_prod;
    const next = this.#req_prod_pvt;
    this.sring.req_prod = next;
    return checkNotify(old, next, this.sring.req_event);
  }

  /** RING_HAS_UNCONSUMED_RESPONSES, after checking the backend answered only what was asked. */
  unconsumedResponses(): number {
    this.#ensureIntact();
    const rsp_prod = this.sring.rsp_prod;
    const unconsumed = idxDiff(rsp_prod, this.#rsp_cons);
    const outstanding = idxDiff(this.#req_prod_pvt, this.#rsp_cons);
    if (unconsumed > outstanding) {
      this.#broken = new RingError(
        "EOVERFLOW",
        `broken backend: rsp_prod ${rsp_prod} runs past req_prod_pvt ${this.#req_prod_pvt} (rsp_cons ${this.#rsp_cons})`,
      );
      throw this.#broken;
    }
    return unconsumed;
  }

  /** RING_COPY_RESPONSE of the next response, or undefined when there is none. */
  consumeResponse(): Consumed<Rsp> | undefined {
    if (this.unconsumedResponses() === 0) return undefined;
    const consumed = copySlot(this.sring, this.#rsp_cons, this.types.response);
    this.#rsp_cons = idxAdd(this.#rsp_cons, 1);
    return consumed;
  }

  /**
   * RING_FINAL_CHECK_FOR_RESPONSES, before sleeping: true if responses wait; otherwise asks to
   * be notified of the next one (rsp_event = rsp_cons + 1) and checks again, so a response
   * pushed in between is not missed.
   */
  finalCheckForResponses(): boolean {
    if (this.unconsumedResponses() > 0) return true;
    this.sring.rsp_event = idxAdd(this.#rsp_cons, 1);
    return this.unconsumedResponses() > 0;
  }

  /** The error that broke the ring, if the backend broke it. */
  get broken(): RingError | undefined {
    return this.#broken;
  }

  #ensureIntact(): void {
    if (this.#broken) throw this.#broken;
  }
}

// A front ring and a back ring sharing one page, driven step by step against a model that
// counts from the start index without wrapping. Each end is a consumer that sleeps after a final
// check that found nothing, and wakes only when the other end's push says to notify it.
import { expect } from "vitest";
import { BackRing, BufferPage, FrontRing, PageSpan, type RingTypes, SRING } from "../src/index.js";

export type Race = { readonly when: "before" | "after"; readonly n: number };

/** Runs an action once, right before or after the next write of one u32 field. */
class InterleavingPage extends BufferPage {
  readonly #hooks = new Map<number, { before: () => void; after: () => void }>();

  hookWrite(offset: number, hook: { before: () => void; after: () => void }): void {
    this.#hooks.set(offset, hook);
  }

  override writeU32(offset: number, value: number): void {
    const hook = this.#hooks.get(offset);
    this.#hooks.delete(offset);
    hook?.before();
    super.writeU32(offset, value);
    hook?.after();
  }
}

export class Session {
  /** The ring's first page, where the indices are (a multi-page ring spans more after it). */
  readonly page = new InterleavingPage();
  readonly front: FrontRing<number, number>;
  readonly back: BackRing<number, number>;
  // The model: how many entries each step has reached, counted from `start`.
  submitted = 0;
  reqPushed = 0;
  taken = 0;
  answered = 0;
  rspPushed = 0;
  reaped = 0;
  /** The count at which each consumer asked to be notified (SHARED_RING_INIT: 1). */
  reqEvent = 1;
  rspEvent = 1;
  frontAwake = true;
  backAwake = true;

  constructor(
    types: RingTypes<number, number>,
    readonly start: number,
  ) {
    const more = Array.from({ length: types.pages - 1 }, () => new BufferPage());
    const ring = types.pages === 1 ? this.page : new PageSpan([this.page, ...more]);
    FrontRing.init(ring, types);
    this.front = FrontRing.attach(ring, types, start);
    this.back = BackRing.attach(ring, types, start);
    const { sring } = this.front;
    sring.req_prod = start;
    sring.rsp_prod = start;
    sring.req_event = (start + 1) >>> 0;
    sring.rsp_event = (start + 1) >>> 0;
  }

  get nr_ents(): number {
    return this.front.nr_ents;
  }

  submit(n: number): void {
    for (let i = 0; i < n && !this.front.full(); i++) this.front.produceRequest(this.submitted++);
    expect(this.front.freeRequests()).toBe(this.nr_ents - (this.submitted - this.reaped));
  }

  pushRequests(): void {
    const asked = this.reqPushed < this.reqEvent && this.reqEvent <= this.submitted;
    const notify = this.front.pushRequests();
    expect(notify).toBe(asked);
    this.reqPushed = this.submitted;
    if (notify) this.backAwake = true;
  }

  take(n: number): void {
    if (!this.backAwake) return;
    for (let i = 0; i < n; i++) {
      const got = this.back.consumeRequest();
      if (got === undefined) {
        expect(this.taken).toBe(this.reqPushed);
        return;
      }
      expect(got).toEqual({ ok: true, value: this.taken++ });
    }
  }

  answer(n: number): void {
    for (let i = 0; i < n && this.answered < this.taken; i++) this.back.produceResponse(this.answered++);
  }

  pushResponses(): void {
    const asked = this.rspPushed < this.rspEvent && this.rspEvent <= this.answered;
    const notify = this.back.pushResponses();
    expect(notify).toBe(asked);
    this.rspPushed = this.answered;
    if (notify) this.frontAwake = true;
  }

  reap(n: number): void {
    if (!this.frontAwake) return;
    for (let i = 0; i < n; i++) {
      const got = this.front.consumeResponse();
      if (got === undefined) {
        expect(this.reaped).toBe(this.rspPushed);
        return;
      }
      expect(got).toEqual({ ok: true, value: this.reaped++ });
    }
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES, the back end optionally answering and pushing meanwhile. */
  frontSleep(race?: Race): void {
    if (!this.frontAwake) return;
    if (race) {
      const act = () => {
        this.answer(race.n);
        this.pushResponses();
      };
      this.page.hookWrite(SRING.rsp_event, {
        before: () => (race.when === "before" ? act() : undefined),
        after: () => {
          this.rspEvent = this.reaped + 1;
          if (race.when === "after") act();
        },
      });
    }
    const work = this.front.finalCheckForResponses();
    expect(work).toBe(this.rspPushed > this.reaped);
    if (!work) this.rspEvent = this.reaped + 1;
    this.frontAwake = work;
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS, the front end optionally submitting and pushing meanwhile. */
  backSleep(race?: Race): void {
    if (!this.backAwake) return;
    if (race) {
      const act = () => {
        this.submit(race.n);
        this.pushRequests();
      };
      this.page.hookWrite(SRING.req_event, {
        before: () => (race.when === "before" ? act() : undefined),
        after: () => {
          this.reqEvent = this.taken + 1;
          if (race.when === "after") act();
        },
      });
    }
    const work = this.back.finalCheckForRequests();
    expect(work).toBe(this.reqPushed > this.taken);
    if (!work) this.reqEvent = this.taken + 1;
    this.backAwake = work;
  }

  /** No wake-up was lost: a sleeping consumer has nothing published to it. */
  checkSleepers(): void {
    if (!this.frontAwake) expect(this.front.unconsumedResponses()).toBe(0);
    if (!this.backAwake) expect(this.back.unconsumedRequests()).toBe(0);
  }

  /** Both ends keep working, each only while awake, until neither has anything left to do. */
  drain(): void {
    for (let progress = true; progress; ) {
      const before = this.reaped + this.rspPushed + this.answered + this.taken + this.reqPushed;
      this.pushRequests();
      this.take(this.nr_ents);
      this.answer(this.nr_ents);
      this.pushResponses();
      this.backSleep();
      this.reap(this.nr_ents);
      this.frontSleep();
      this.checkSleepers();
      progress = this.reaped + this.rspPushed + this.answered + this.taken + this.reqPushed !== before;
    }
  }
}

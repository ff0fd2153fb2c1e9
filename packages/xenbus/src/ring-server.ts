// A backend's request loop over one RingBack, as Linux backends run the consumer side of
// io/ring.h: on each event every waiting request is copied off the ring (decoded once, by the
// ring) and served concurrently; each answer goes back as it completes. A frontend that breaks
// its ring (req_prod past the ring) is no longer read from.
import type { XenLogger } from "@xenfs/libxen";
import type { Consumed } from "@xenfs/ring";
import type { RingBack } from "./ring-back.js";

/** Serves one request; `undefined` sends no answer (the server stopped while it was served). */
export type ServeRequest<Req, Rsp> = (got: Consumed<Req>) => Promise<Rsp | undefined>;

export class RingServer<Req, Rsp> {
  /** Requests being served; at most a ring's worth. */
  readonly #serving = new Set<Promise<void>>();
  #stopped = false;

  constructor(
    private readonly ring: RingBack<Req, Rsp>,
    private readonly serve: ServeRequest<Req, Rsp>,
    private readonly log: XenLogger,
  ) {}

  /** True once stopped, or once the frontend broke its ring: a request still queued is not served. */
  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.ring.onRequests(() => this.#take());
  }

  /** Takes no more requests and waits for those being served (their answers are not sent). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#serving]);
  }

  #take(): void {
    if (this.#stopped) return;
    try {
      for (let got = this.ring.ring.consumeRequest(); got; got = this.ring.ring.consumeRequest()) {
        const serving = this.#answer(got).finally(() => this.#serving.delete(serving));
        this.#serving.add(serving);
      }
    } catch (error) {
      this.#stopped = true;
      this.log.error({ err: error }, "frontend broke its ring; no longer serving it");
    }
  }

  async #answer(got: Consumed<Req>): Promise<void> {
    if (this.#stopped) return;
    const response = await this.serve(got);
    if (response === undefined || this.#stopped) return;
    try {
      this.ring.ring.produceResponse(response);
      await this.ring.push();
    } catch (error) {
      this.log.error({ err: error }, "could not answer the frontend");
    }
  }
}

// The guest's echo driver: echo(bytes) puts a request on the ring and resolves with the answer.
//
// Every request lives in `#requests` from echo() until its answer. It is either waiting for a
// ring slot (`#queue`) or on the ring. When the backend goes, whatever was on the ring goes
// back to the front of the queue and is issued again on the next ring, with the same id. Ids are
// never reused, and an answer whose id is not on the ring (a duplicate from a backend that
// served it before dying, say) is ignored: no request is answered twice.
import type { XenDomain } from "@xenfs/libxen";
import {
  type BackendInfo,
  backendMaxRingPageOrder,
  type FrontendDriver,
  RingFront,
  XenbusError,
} from "@xenfs/xenbus";
import { ECHO_MAX_PAYLOAD, type EchoRequest, type EchoResponse, echoRingOfOrder } from "./protocol.js";

interface Pending {
  readonly payload: Uint8Array;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  onRing: boolean;
}

export interface EchoFrontendOptions {
  /**
   * The largest ring this frontend sets up, as a page order (Linux blkfront's
   * `max_ring_page_order`): the ring spans 2^min(this, the backend's `max-ring-page-order`)
   * pages. Default 0: one page, 64 slots.
   */
  maxRingPageOrder?: number;
}

export class EchoFrontend implements FrontendDriver {
  readonly #requests = new Map<number, Pending>();
  /** Ids waiting for a slot, oldest first, from `#queueHead` on. */
  #queue: number[] = [];
  #queueHead = 0;
  #ring: RingFront<EchoRequest, EchoResponse> | undefined;
  #connected = false;
  #pushScheduled = false;
  #nextId = 1;
  #closed = false;
  /** Answers ignored because their request was not on the ring. */
  duplicates = 0;
  /** Requests put on a new ring after their backend went away. */
  reissued = 0;

  constructor(
    private readonly domain: XenDomain,
    private readonly options: EchoFrontendOptions = {},
  ) {}

  /** Sends `payload` (at most 48 bytes) and resolves with what the backend echoed. */
  echo(payload: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new XenbusError("ESHUTDOWN", "echo frontend closed"));
    if (payload.length > ECHO_MAX_PAYLOAD) {
      return Promise.reject(new XenbusError("EMSGSIZE", `${payload.length} bytes > ${ECHO_MAX_PAYLOAD}`));
    }
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#requests.set(id, { payload: payload.slice(), resolve, reject, onRing: false });
      this.#queue.push(id);
      this.#schedulePush();
    });
  }

  /** Requests not yet answered. */
  get inFlight(): number {
    return this.#requests.size;
  }

  async initialise(backend: BackendInfo): Promise<Record<string, string>> {
    const order = Math.min(this.options.maxRingPageOrder ?? 0, backendMaxRingPageOrder(backend.keys));
    this.#ring = await RingFront.create(this.domain, backend.domid, echoRingOfOrder(order));
    this.#ring.onResponses(() => this.#takeResponses());
    return this.#ring.keys();
  }

  connected(): void {
    this.#connected = true;
    this.#schedulePush();
  }

  async disconnected(): Promise<void> {
    this.#connected = false;
    const ring = this.#ring;
    this.#ring = undefined;
    const wereOnRing = [...this.#requests].filter(([, p]) => p.onRing).map(([id]) => id);
    for (const id of wereOnRing) {
      const pending = this.#requests.get(id);
      if (pending) pending.onRing = false;
    }
    this.reissued += wereOnRing.length;
    this.#queue = [...wereOnRing, ...this.#queue.slice(this.#queueHead)];
    this.#queueHead = 0;
    await ring?.destroy();
  }

  /** Fails every unanswered request with ESHUTDOWN; later echo() calls fail at once. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#requests.values()) {
      pending.reject(new XenbusError("ESHUTDOWN", "echo frontend closed before the answer"));
    }
    this.#requests.clear();
    this.#queue = [];
    this.#queueHead = 0;
  }

  /** Requests issued in one tick share one push (and at most one notification). */
  #schedulePush(): void {
    if (this.#pushScheduled) return;
    this.#pushScheduled = true;
    queueMicrotask(() => {
      this.#pushScheduled = false;
      this.#fillRing();
    });
  }

  /** Moves queued requests onto the ring while it has free slots, then pushes them. */
  #fillRing(): void {
    const ring = this.#ring;
    if (!ring || !this.#connected) return;
    let produced = 0;
    let free = ring.ring.freeRequests();
    const queue = this.#queue;
    while (this.#queueHead < queue.length && free > 0) {
      const id = queue[this.#queueHead++] as number;
      const pending = this.#requests.get(id);
      if (!pending) continue;
      ring.ring.produceRequest({ id, payload: pending.payload });
      pending.onRing = true;
      produced++;
      free--;
    }
    if (this.#queueHead === queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > queue.length) {
      this.#queue = queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    if (produced > 0) ring.push().catch((error: Error) => this.domain.session.reportError(error));
  }

  #takeResponses(): void {
    const ring = this.#ring;
    if (!ring) return;
    for (let got = ring.ring.consumeResponse(); got; got = ring.ring.consumeResponse()) {
      const id = got.ok ? got.value.id : got.rawId;
      const pending = id === undefined ? undefined : this.#requests.get(id);
      if (id === undefined || !pending?.onRing) {
        this.duplicates++;
        continue;
      }
      this.#requests.delete(id);
      if (!got.ok) pending.reject(new XenbusError("EPROTO", `answer to request ${id} does not decode`));
      else if (got.value.status !== 0)
        pending.reject(new XenbusError("EPROTO", `backend answered status ${got.value.status}`));
      else pending.resolve(got.value.payload);
    }
    // Answers freed slots: waiting requests take them.
    if (this.#queueHead < this.#queue.length) this.#fillRing();
  }
}

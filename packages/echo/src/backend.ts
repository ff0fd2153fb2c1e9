// dom0's echo driver: each guest's ring is mapped on connect, and every request is answered
// with its own payload.

import type { XenDomain } from "@xenfs/libxen";
import { XEN_ERRNO } from "@xenfs/proto";
import type { Consumed } from "@xenfs/ring";
import { type BackendDriver, type FrontendInfo, parseRingKeys, RingBack, XenbusKey } from "@xenfs/xenbus";
import {
  ECHO_MAX_PAYLOAD,
  ECHO_MAX_RING_PAGE_ORDER,
  type EchoRequest,
  type EchoResponse,
  echoRingOfOrder,
} from "./protocol.js";

export interface EchoBackendOptions {
  /** Called once per request answered (tests count them). */
  onServed?: (frontendDomid: number, id: number) => void;
}

const NO_PAYLOAD = new Uint8Array(0);

export class EchoBackend implements BackendDriver {
  readonly #rings = new Map<number, RingBack<EchoRequest, EchoResponse>>();
  /** Requests answered, over every guest and connection. */
  served = 0;

  constructor(
    private readonly dom0: XenDomain,
    private readonly options: EchoBackendOptions = {},
  ) {}

  features(): Record<string, string> {
    return {
      "feature-max-payload": String(ECHO_MAX_PAYLOAD),
      [XenbusKey.maxRingPageOrder]: String(ECHO_MAX_RING_PAGE_ORDER),
    };
  }

  async connect(frontend: FrontendInfo): Promise<void> {
    const { order, ringRefs, port } = parseRingKeys(frontend, ECHO_MAX_RING_PAGE_ORDER);
    const ring = await RingBack.attach(this.dom0, frontend.domid, ringRefs, port, echoRingOfOrder(order));
    this.#rings.set(frontend.domid, ring);
    ring.onRequests(() => this.#serve(frontend.domid, ring));
  }

  async disconnect(frontendDomid: number): Promise<void> {
    const ring = this.#rings.get(frontendDomid);
    this.#rings.delete(frontendDomid);
    await ring?.destroy();
  }

  /** Takes every waiting request first, then answers them all: the answers go out as one write. */
  #serve(domid: number, back: RingBack<EchoRequest, EchoResponse>): void {
    const taken: Consumed<EchoRequest>[] = [];
    for (let got = back.ring.consumeRequest(); got; got = back.ring.consumeRequest()) taken.push(got);
    if (taken.length === 0) return;
    for (const got of taken) {
      if (got.ok) {
        back.ring.produceResponse({ id: got.value.id, status: 0, payload: got.value.payload });
        this.served++;
        this.options.onServed?.(domid, got.value.id);
      } else {
        // Copied out, failed to decode: answered with an error, never acted on.
        back.ring.produceResponse({ id: got.rawId ?? 0, status: -XEN_ERRNO.EINVAL, payload: NO_PAYLOAD });
      }
    }
    back.push().catch((error: Error) => this.dom0.session.reportError(error));
  }
}

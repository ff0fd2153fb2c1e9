// A ring backend in dom0 whose answers the test writes: the real RingFront and RingBack between
// a guest and dom0, with the test playing dom0's XenFS server.
import { type FsRequest, type FsResponse, fsifRing } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { RingBack, RingFront } from "@xenfs/xenbus";

export interface ScriptedRing {
  readonly front: RingFront<FsRequest, FsResponse>;
  /** Requests as dom0 took them off the ring, in order. */
  readonly requests: FsRequest[];
  /** Resolves once `n` requests in all have arrived. */
  received(n: number): Promise<void>;
  answer(...responses: FsResponse[]): Promise<void>;
  destroy(): Promise<void>;
}

export async function scriptedRing(guest: XenDomain, dom0: XenDomain): Promise<ScriptedRing> {
  const front = await RingFront.create<FsRequest, FsResponse>(guest, dom0.domid, fsifRing);
  const back = await RingBack.attach<FsRequest, FsResponse>(
    dom0,
    guest.domid,
    front.ringRef,
    front.port,
    fsifRing,
  );
  const requests: FsRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  back.onRequests(() => {
    for (let got = back.ring.consumeRequest(); got; got = back.ring.consumeRequest()) {
      if (got.ok) requests.push(got.value);
    }
    for (const waiter of waiters.filter((w) => requests.length >= w.n)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    front,
    requests,
    received: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    async answer(...responses) {
      for (const response of responses) back.ring.produceResponse(response);
      await back.push();
    },
    async destroy() {
      await back.destroy();
      await front.destroy();
    },
  };
}

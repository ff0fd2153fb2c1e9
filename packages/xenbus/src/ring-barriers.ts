// ring.h's macros that need a full barrier between a write and a read of the other end's index.
// Over a FramePage a write is queued to the hypervisor while a read is local, so without one
// both ends can read each other's stale index and both go to sleep: a lost wake-up. The barrier
// ends with Memory.flush(): once the hypervisor has answered our write, every write the peer
// made before it has been applied to our copy, and every later write of the peer sees ours.
import { type BackRing, checkNotify, type FrontRing, idxAdd } from "@xenfs/ring";

/** mb(): resolves once every write issued before it is visible to every other domain. */
export type Barrier = () => Promise<void>;

/**
 * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY with mb() between req_prod and req_event. Notifying is
 * always safe; only deciding not to needs the barrier. So when the local req_event already
 * asks for a notification (an idle backend), the caller sends at once, in the same batch as
 * the writes; otherwise the barrier comes first and the check is repeated after it.
 */
export async function pushRequestsAndCheckNotify<Req, Rsp>(
  ring: FrontRing<Req, Rsp>,
  mb: Barrier,
): Promise<boolean> {
  const old = ring.sring.req_prod; // written only by this end: the local copy is current
  const next = ring.req_prod_pvt;
  if (ring.pushRequests()) return true;
  await mb();
  return checkNotify(old, next, ring.sring.req_event);
}

/** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY with mb() between rsp_prod and rsp_event, as above. */
export async function pushResponsesAndCheckNotify<Req, Rsp>(
  ring: BackRing<Req, Rsp>,
  mb: Barrier,
): Promise<boolean> {
  const old = ring.sring.rsp_prod;
  const next = ring.rsp_prod_pvt;
  if (ring.pushResponses()) return true;
  await mb();
  return checkNotify(old, next, ring.sring.rsp_event);
}

/** RING_FINAL_CHECK_FOR_RESPONSES with mb() between rsp_event and the second look at rsp_prod. */
export async function finalCheckForResponses<Req, Rsp>(
  ring: FrontRing<Req, Rsp>,
  mb: Barrier,
): Promise<boolean> {
  if (ring.unconsumedResponses() > 0) return true;
  ring.sring.rsp_event = idxAdd(ring.rsp_cons, 1);
  await mb();
  return ring.unconsumedResponses() > 0;
}

/** RING_FINAL_CHECK_FOR_REQUESTS with mb() between req_event and the second look at req_prod. */
export async function finalCheckForRequests<Req, Rsp>(
  ring: BackRing<Req, Rsp>,
  mb: Barrier,
): Promise<boolean> {
  if (ring.unconsumedRequests() > 0) return true;
  ring.sring.req_event = idxAdd(ring.req_cons, 1);
  await mb();
  return ring.unconsumedRequests() > 0;
}

/**
 * Stable codes for what a ring refuses.
 * - EINVAL: a geometry or codec that cannot form a ring.
 * - ENOSPC: producing into a slot this end does not own (front ring full, or a response with no
 *   request to answer).
 * - EOVERFLOW: the peer moved its producer index where no well-behaved peer can; the ring is
 *   broken and stays refused.
 * - ERANGE: a page access outside the page.
 */
export type RingErrorCode = "EINVAL" | "ENOSPC" | "EOVERFLOW" | "ERANGE";

export class RingError extends Error {
  override readonly name = "RingError";
  constructor(
    readonly code: RingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One slot whose bytes do not decode. It concerns that request or response only: the ring has
 * already moved past the slot and carries on.
 */
export class SlotError extends Error {
  override readonly name = "SlotError";
  readonly code = "EBADMSG";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

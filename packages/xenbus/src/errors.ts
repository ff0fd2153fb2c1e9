/** Why a xenbus operation failed; `code` is stable, the message is for people. */
export type XenbusErrorCode =
  /** A request does not fit the device's protocol (too large a payload). */
  | "EMSGSIZE"
  /** The device was closed with requests still waiting; they will never be answered. */
  | "ESHUTDOWN"
  /** A peer published a XenStore key that does not parse (`ring-ref`, `event-channel`). */
  | "EPROTO";

export class XenbusError extends Error {
  override readonly name = "XenbusError";

  constructor(
    readonly code: XenbusErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** Stable codes for frames that cannot be accepted. */
export type WireErrorCode = "EMSGSIZE" | "EBADMSG" | "EPROTO";

/** A frame that does not decode, is over the limit, or breaks the envelope's rules. */
export class WireError extends Error {
  override readonly name = "WireError";
  constructor(
    readonly code: WireErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

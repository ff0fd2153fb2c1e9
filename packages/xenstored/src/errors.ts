import type { XsdError } from "@xenfs/proto";

/** A request xenstored refuses; `code` is the errno name sent back in the XS_ERROR payload. */
export class XsError extends Error {
  override readonly name = "XsError";
  constructor(
    readonly code: XsdError,
    message: string,
  ) {
    super(message);
  }
}

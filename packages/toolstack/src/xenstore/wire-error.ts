// A failed xenstore request: `code` is the errno name (xenstored's XS_ERROR payload, or the
// socket's), the message is strerror's text as Xen's tools print it.
import { strerror } from "./strerror.js";

export class XsWireError extends Error {
  override readonly name = "XsWireError";
  constructor(
    readonly code: string,
    message = strerror(code),
  ) {
    super(message);
  }
}

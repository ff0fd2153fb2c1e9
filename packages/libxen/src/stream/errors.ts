// A migration stream that cannot be accepted: `code` says how (stable), `status` is the errno.
import { XEN_ERRNO } from "@xenfs/proto";

export type StreamErrorCode = "EINVAL" | "EBADMSG" | "EMSGSIZE" | "ENODATA" | "EOPNOTSUPP";

export class StreamError extends Error {
  override readonly name = "StreamError";
  readonly status: number;

  constructor(
    readonly code: StreamErrorCode,
    message: string,
  ) {
    super(`migration stream: ${message} (${code})`);
    this.status = -XEN_ERRNO[code];
  }
}

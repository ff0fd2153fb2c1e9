/** Why a slot or page payload was refused. Stable strings: peers and tests match on them. */
export type FsProtocolErrorCode =
  | "FSIF_UNKNOWN_OP" // the type byte names no request
  | "FSIF_RESERVED" // a pad byte or an undefined flag bit is set
  | "FSIF_OUT_OF_RANGE" // a count, number or enum value outside what the field allows
  | "FSIF_BAD_LENGTH" // a buffer or length that does not add up
  | "FSIF_BAD_STRING"; // a path or name that is not valid UTF-8, is empty, or holds NUL or '/'

/** A malformed slot or page payload from a peer, or a value that cannot be encoded. */
export class FsProtocolError extends Error {
  override readonly name = "FsProtocolError";
  constructor(
    readonly code: FsProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

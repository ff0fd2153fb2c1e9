/** Why blkif bytes cannot be encoded or decoded: a field out of its C type or past a limit. */
export type BlkifErrorCode = "EINVAL" | "E2BIG";

export class BlkifError extends Error {
  override readonly name = "BlkifError";
  constructor(
    readonly code: BlkifErrorCode,
    message: string,
    /** The request's operation byte, when it was readable: what its error response carries. */
    readonly operation?: number,
  ) {
    super(message);
  }
}

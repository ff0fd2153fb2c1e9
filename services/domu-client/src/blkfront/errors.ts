/** What a vbd request came back with, as the errno a block layer would give the caller. */
export type BlkErrorCode = "EROFS" | "EIO" | "EOPNOTSUPP" | "EINVAL" | "ESHUTDOWN" | "ENODEV";

export class BlkError extends Error {
  override readonly name = "BlkError";
  constructor(
    readonly code: BlkErrorCode,
    message: string,
    /** The BLKIF_RSP_* status, when the backend answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Why a vbd cannot be served: the image, or a second writer. */
export type VbdErrorCode = "ENOENT" | "EINVAL" | "EBUSY" | "EACCES" | "EIO";

export class VbdError extends Error {
  override readonly name = "VbdError";
  constructor(
    readonly code: VbdErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

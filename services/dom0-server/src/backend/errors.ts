import { FS_ERRNO, type FsErrnoName, FsProtocolError } from "@xenfs/fsproto";
import { XenError } from "@xenfs/libxen";

/** A request the backend refuses by itself (not the disk's answer); `code` is the guest's errno. */
export class XenfsRequestError extends Error {
  override readonly name = "XenfsRequestError";
  constructor(
    readonly code: FsErrnoName,
    message: string,
  ) {
    super(message);
  }
}

function isFsErrno(code: unknown): code is FsErrnoName {
  return typeof code === "string" && Object.hasOwn(FS_ERRNO, code);
}

/**
 * The errno a failed request answers with. A malformed page payload is EINVAL; a grant the guest
 * named that dom0 cannot use is EFAULT (a bad address, as a syscall given a bad buffer); an
 * errno the wire has no number for is EIO.
 */
export function errnoOf(error: unknown): FsErrnoName {
  if (error instanceof FsProtocolError) return "EINVAL";
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof XenError && typeof code === "string" && code.startsWith("GNTST_")) return "EFAULT";
  return isFsErrno(code) ? code : "EIO";
}

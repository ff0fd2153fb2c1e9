// How a failed file operation answers over HTTP.
import { FsError } from "@xenfs/fsproto";
import { HttpError } from "@xenfs/service-kit";

const STATUS_BY_CODE: Readonly<Partial<Record<FsError["code"], number>>> = {
  ENOENT: 404,
  ESTALE: 410,
  EEXIST: 409,
  ENOTEMPTY: 409,
  EISDIR: 409,
  ENOTDIR: 409,
  EBUSY: 409,
  EXDEV: 403,
  EACCES: 403,
  EPERM: 403,
  EROFS: 403,
  EINVAL: 400,
  ENAMETOOLONG: 400,
  ELOOP: 400,
  EMFILE: 503,
  ENOSPC: 507,
  EFBIG: 413,
  ENOTCONN: 503,
  ETIMEDOUT: 504,
} as const;

/** An FsError becomes an HttpError with its code and Node's message; anything else is rethrown. */
export function httpErrorOf(error: unknown): HttpError {
  if (!(error instanceof FsError)) throw error;
  return new HttpError(STATUS_BY_CODE[error.code] ?? 500, error.code, error.message);
}

import { XEN_ERRNO } from "@xenfs/proto";

/**
 * Status codes a response may carry, negated on the wire: Xen's errno values (errno.h, which are
 * Linux's) and the few Linux ones a filesystem needs that errno.h lacks, under Node's names, with
 * the messages Node (libuv) prints, so a guest's errors read like `fs` errors.
 */
export const FS_ERRNO = {
  EPERM: XEN_ERRNO.EPERM,
  ENOENT: XEN_ERRNO.ENOENT,
  EIO: XEN_ERRNO.EIO,
  EBADF: XEN_ERRNO.EBADF,
  EAGAIN: XEN_ERRNO.EAGAIN,
  ENOMEM: XEN_ERRNO.ENOMEM,
  EACCES: XEN_ERRNO.EACCES,
  EFAULT: XEN_ERRNO.EFAULT,
  EBUSY: XEN_ERRNO.EBUSY,
  EEXIST: XEN_ERRNO.EEXIST,
  EXDEV: XEN_ERRNO.EXDEV,
  ENODEV: XEN_ERRNO.ENODEV,
  ENOTDIR: XEN_ERRNO.ENOTDIR,
  EISDIR: XEN_ERRNO.EISDIR,
  EINVAL: XEN_ERRNO.EINVAL,
  ENFILE: XEN_ERRNO.ENFILE,
  EMFILE: XEN_ERRNO.EMFILE,
  ENOSPC: XEN_ERRNO.ENOSPC,
  EROFS: XEN_ERRNO.EROFS,
  EMLINK: XEN_ERRNO.EMLINK,
  ERANGE: XEN_ERRNO.ERANGE,
  ENAMETOOLONG: XEN_ERRNO.ENAMETOOLONG,
  ENOSYS: XEN_ERRNO.ENOSYS,
  ENOTEMPTY: XEN_ERRNO.ENOTEMPTY,
  ENODATA: XEN_ERRNO.ENODATA,
  EOVERFLOW: XEN_ERRNO.EOVERFLOW,
  ENOTCONN: XEN_ERRNO.ENOTCONN,
  ETIMEDOUT: XEN_ERRNO.ETIMEDOUT,
  // Linux errno values that Xen's errno.h does not define.
  ETXTBSY: 26,
  EFBIG: 27,
  ESPIPE: 29,
  ELOOP: 40,
  EPROTO: 71,
  ENOTSUP: 95,
  ESTALE: 116,
  ECANCELED: 125,
} as const;

export type FsErrnoName = keyof typeof FS_ERRNO;

export const FS_STRERROR: { readonly [K in FsErrnoName]: string } = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EIO: "i/o error",
  EBADF: "bad file descriptor",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "not enough memory",
  EACCES: "permission denied",
  EFAULT: "bad address in system call argument",
  EBUSY: "resource busy or locked",
  EEXIST: "file already exists",
  EXDEV: "cross-device link not permitted",
  ENODEV: "no such device",
  ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory",
  EINVAL: "invalid argument",
  ENFILE: "file table overflow",
  EMFILE: "too many open files",
  ETXTBSY: "text file is busy",
  EFBIG: "file too large",
  ENOSPC: "no space left on device",
  ESPIPE: "invalid seek",
  EROFS: "read-only file system",
  EMLINK: "too many links",
  ERANGE: "result too large",
  ENAMETOOLONG: "name too long",
  ENOSYS: "function not implemented",
  ENOTEMPTY: "directory not empty",
  ELOOP: "too many symbolic links encountered",
  ENODATA: "no data available",
  EPROTO: "protocol error",
  EOVERFLOW: "value too large for defined data type",
  ENOTSUP: "operation not supported on socket",
  ENOTCONN: "socket is not connected",
  ETIMEDOUT: "connection timed out",
  ESTALE: "stale file handle",
  ECANCELED: "operation canceled",
};

const NAME_BY_ERRNO = new Map<number, FsErrnoName>(
  Object.entries(FS_ERRNO).map(([name, errno]) => [errno, name as FsErrnoName]),
);

/** The name of a wire status (−2 → "ENOENT"), or undefined when it is not in the table. */
export function errnoNameOf(status: number): FsErrnoName | undefined {
  return NAME_BY_ERRNO.get(-status);
}

/** The wire status for an errno name: "ENOENT" → −2. */
export function statusOf(code: FsErrnoName): number {
  return -FS_ERRNO[code];
}

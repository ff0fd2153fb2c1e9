/**
 * Status codes a response may carry, negated on the wire: Linux errno numbers under Node's
 * names, with the messages Node (libuv) prints, so a guest's errors read like `fs` errors.
 */
export const FS_ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  EPROTO: 71,
  EOVERFLOW: 75,
  ENOTSUP: 95,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
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

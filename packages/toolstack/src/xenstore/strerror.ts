// glibc's strerror() text for the errno names xenstored sends and a socket can fail with, since
// Xen's tools print errors with err(3).
const TEXT: Readonly<Record<string, string>> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  E2BIG: "Argument list too long",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
  EISCONN: "Transport endpoint is already connected",
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  ENOTSOCK: "Socket operation on non-socket",
};

export function strerror(code: string): string {
  return TEXT[code] ?? code;
}

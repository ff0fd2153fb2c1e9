// A request that named an fd of a backend connection that has since gone: the fd means nothing
// to the new backend, so the caller reopens the file and asks again.
export class FdLostError extends Error {
  override readonly name = "FdLostError";
  readonly code = "EBADF";
  constructor(readonly epoch: number) {
    super(`the backend reconnected: fds of connection ${epoch} are gone`);
  }
}

// What a mount has done, for /api/mount and /metrics.
import type { FsOp } from "@xenfs/fsproto";

export class MountCounters {
  readonly requestsByOp = new Map<FsOp, number>();
  requests = 0;
  bytesRead = 0;
  bytesWritten = 0;
  /** Reads answered from pages the guest held, with no request. */
  readsLocal = 0;

  request(op: FsOp): void {
    this.requests += 1;
    this.requestsByOp.set(op, (this.requestsByOp.get(op) ?? 0) + 1);
  }
}

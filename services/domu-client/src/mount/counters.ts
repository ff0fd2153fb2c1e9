// What a mount has done (or every mount of a process, when they share one), for /api/mount; an
// observer (the service's metrics) sees it as it happens.
import type { FsOp } from "@xenfs/fsproto";

export interface MountObserver {
  request?(op: FsOp): void;
  bytesRead?(bytes: number): void;
}

export class MountCounters {
  requests = 0;
  bytesRead = 0;
  bytesWritten = 0;
  /** Reads answered from pages the guest held, with no request. */
  readsLocal = 0;
  /** Copy mode with page flipping: frames dom0 transferred in (reads) and this guest out (whole-page writes). */
  pagesFlippedIn = 0;
  pagesFlippedOut = 0;
  /** Whole-page writes that went by copy because a flip could not be made. */
  flipFallbacks = 0;

  constructor(private readonly observer: MountObserver = {}) {}

  request(op: FsOp): void {
    this.requests += 1;
    this.observer.request?.(op);
  }

  read(bytes: number): void {
    this.bytesRead += bytes;
    this.observer.bytesRead?.(bytes);
  }
}

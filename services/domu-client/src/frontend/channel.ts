// What the request client needs of a connected ring: xenbus's RingFront has this shape.
import type { FsRequest, FsResponse } from "@xenfs/fsproto";
import type { FrontRing } from "@xenfs/ring";

export interface FsRingChannel {
  readonly ring: FrontRing<FsRequest, FsResponse>;
  /** Publishes produced requests and notifies the backend if it asked to be. */
  push(): Promise<void>;
  /** Runs `handler` (which consumes responses) on every event, and again while the final check finds more. */
  onResponses(handler: () => void): void;
}

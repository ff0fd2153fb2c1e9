// Per-session limits: what one domain may cost the hypervisor.
import { DEFAULT_WIRE_LIMITS } from "@xenfs/proto";
import type { ReplayLimits } from "./replay-buffer.js";

export interface SessionLimits extends ReplayLimits {
  /** Largest inbound frame (the WebSocket maxPayload). */
  readonly maxPayload: number;
  /** Calls queued but not yet served (while paused); beyond, calls get −EBUSY. */
  readonly maxInflight: number;
  /** Token bucket: sustained hypercalls per second (0 = unlimited), and the burst above it;
   *  over → −EAGAIN. dom0 is not limited: it is the trusted control domain, as in Xen. */
  readonly ratePerSec: number;
  readonly burst: number;
  /** Outbound bytes the socket may buffer before the session is closed as not reading. */
  readonly maxBufferedBytes: number;
  /** How long a new connection may take to send join/resume. */
  readonly handshakeMs: number;
  /** WebSocket ping interval; a socket that misses a pong is closed, so the lease of a frozen
   *  peer (a paused container keeps its TCP connection open) starts. 0 = no heartbeat. */
  readonly heartbeatMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxPayload: DEFAULT_WIRE_LIMITS.maxFrameBytes,
  maxInflight: 1024,
  ratePerSec: 50_000,
  burst: 10_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  handshakeMs: 10_000,
  heartbeatMs: 3_000,
  maxFrames: 8192,
  maxBytes: 32 * 1024 * 1024,
};

/** Classic token bucket; `take()` is false when the caller is over its rate. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    if (this.ratePerSec === 0) return true;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Limits every peer enforces on the hypercall wire. */
export interface WireLimits {
  /** Largest encoded Envelope accepted (also the WebSocket `maxPayload`). */
  readonly maxFrameBytes: number;
  /** Most entries in one multicall, reply or upcall batch. */
  readonly maxBatch: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = {
  // A multicall of 512 whole-frame writes is 2 MiB of data; leave room for the envelope.
  maxFrameBytes: 4 * 1024 * 1024,
  maxBatch: 1024,
};

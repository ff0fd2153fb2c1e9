/**
 * What `@xenfs/ring` consumes: a fixed-size codec for one ring slot. `decode` throws
 * `FsProtocolError` on an invalid slot and never returns half-valid data.
 */
export interface SlotCodec<T> {
  readonly size: number;
  encode(value: T, slot: Uint8Array): void;
  decode(slot: Uint8Array): T;
  /** The id in a slot that does not decode, so the backend can still answer it. */
  rawId?(slot: Uint8Array): number | undefined;
}

/** A payload that travels in a granted page instead of the slot (paths, listings, gref lists). */
export interface PageCodec<T> {
  readonly maxBytes: number;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

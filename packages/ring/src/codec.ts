import type { SlotError } from "./errors.js";

/**
 * How one request or response type sits in a ring entry: the C struct, byte for byte.
 * Pure: encode and decode touch nothing but their arguments.
 */
export interface SlotCodec<T> {
  /** sizeof the C struct, padding included. */
  readonly size: number;
  /** Writes `value` into `slot` (exactly `size` bytes, zero-filled); throws if it cannot. */
  encode(value: T, slot: Uint8Array): void;
  /** Reads a private copy of the slot; throws on bytes that are not a valid T. */
  decode(slot: Uint8Array): T;
  /**
   * Where the request id sits in raw bytes, so a request that does not decode can still be
   * answered. Returns undefined if even that cannot be read.
   */
  rawId?(slot: Uint8Array): number | undefined;
}

/** One consumed slot: its value, or why it is invalid. Either way the slot is consumed. */
export type Consumed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SlotError; readonly rawId?: number };

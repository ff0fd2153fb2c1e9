/** A payload that travels in a granted page instead of the slot (paths, listings, gref lists). */
export interface PageCodec<T> {
  readonly maxBytes: number;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

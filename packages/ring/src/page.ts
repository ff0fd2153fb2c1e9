import { RingError } from "./errors.js";

/**
 * The memory a ring lives in. The ring uses nothing else, so a frame seen through the
 * hypervisor (whose writes reach the peer in the order they are made) works as well as plain
 * memory. u32 values are little-endian, as on every Xen architecture.
 */
export interface RingPage {
  readonly size: number;
  readU32(offset: number): number;
  writeU32(offset: number, value: number): void;
  /** May return a view of live shared memory: the ring copies what it keeps. */
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
}

/** A RingPage over plain memory. */
export class BufferPage implements RingPage {
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array = new Uint8Array(4096)) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  readU32(offset: number): number {
    this.#check(offset, 4);
    return this.#view.getUint32(offset, true);
  }

  writeU32(offset: number, value: number): void {
    this.#check(offset, 4);
    this.#view.setUint32(offset, value >>> 0, true);
  }

  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.#check(offset, data.byteLength);
    this.bytes.set(data, offset);
  }

  #check(offset: number, length: number): void {
    if (
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.size
    ) {
      throw new RingError(
        "ERANGE",
        `access of ${length} bytes at ${offset} is outside a ${this.size}-byte page`,
      );
    }
  }
}

// Operands of mem_cmpxchg / mem_add: little-endian words of 4 or 8 bytes, carried as bigint so
// that no 64-bit value loses precision.
import { XenError } from "./errors.js";

export type AtomicWidth = 4 | 8;

export function checkAtomic(op: string, offset: number, width: number, ...values: bigint[]): void {
  if (width !== 4 && width !== 8) throw XenError.errno("EINVAL", op, `width ${width} is not 4 or 8`);
  if (!Number.isInteger(offset) || offset < 0 || offset % width !== 0 || offset + width > 4096) {
    throw XenError.errno("EINVAL", op, `offset ${offset} is not a ${width}-byte aligned word of the frame`);
  }
  const limit = 1n << BigInt(width * 8);
  for (const value of values) {
    if (value < 0n || value >= limit)
      throw XenError.errno("EINVAL", op, `${value} does not fit ${width} bytes`);
  }
}

export function encodeWord(value: bigint, width: AtomicWidth): Uint8Array {
  const bytes = new Uint8Array(width);
  const view = new DataView(bytes.buffer);
  if (width === 4) view.setUint32(0, Number(value), true);
  else view.setBigUint64(0, value, true);
  return bytes;
}

export function decodeWord(bytes: Uint8Array, width: AtomicWidth): bigint {
  if (bytes.length !== width)
    throw XenError.errno("EBADMSG", "mem_atomic", `${bytes.length}-byte word, wanted ${width}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, width);
  return width === 4 ? BigInt(view.getUint32(0, true)) : view.getBigUint64(0, true);
}

/** The word mem_add leaves: wraps like the machine's add. */
export function wrappingAdd(a: bigint, b: bigint, width: AtomicWidth): bigint {
  return BigInt.asUintN(width * 8, a + b);
}

import { FsProtocolError } from "../errors.js";

/**
 * One field of a slot layout at a fixed offset from the start of its record. `read` validates
 * and throws FsProtocolError; `write` refuses values `read` would refuse, so an encoder never
 * produces a slot its peer rejects.
 */
export interface Field<T> {
  readonly offset: number;
  readonly size: number;
  read(view: DataView, base: number): T;
  write(view: DataView, base: number, value: T): void;
}

export type ValueOf<F> = F extends Field<infer T> ? T : never;

type Width = 1 | 2 | 4;

function getUint(view: DataView, at: number, width: Width): number {
  if (width === 1) return view.getUint8(at);
  return width === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
}

function setUint(view: DataView, at: number, width: Width, value: number): void {
  if (width === 1) view.setUint8(at, value);
  else if (width === 2) view.setUint16(at, value, true);
  else view.setUint32(at, value, true);
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FsProtocolError("FSIF_OUT_OF_RANGE", `${name} ${value} outside [${min}, ${max}]`);
  }
}

/** Unsigned little-endian integer of 1, 2 or 4 bytes, limited to [min, max]. */
export function uint(name: string, offset: number, width: Width, max = 2 ** (8 * width) - 1, min = 0) {
  return {
    offset,
    size: width,
    read(view: DataView, base: number): number {
      const value = getUint(view, base + offset, width);
      checkRange(name, value, min, max);
      return value;
    },
    write(view: DataView, base: number, value: number): void {
      checkRange(name, value, min, max);
      setUint(view, base + offset, width, value);
    },
  } satisfies Field<number>;
}

/** A u64 read as a JS number: values past 2^53 − 1 are refused rather than rounded. */
export function u64(name: string, offset: number) {
  return {
    offset,
    size: 8,
    read(view: DataView, base: number): number {
      const value = view.getBigUint64(base + offset, true);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new FsProtocolError("FSIF_OUT_OF_RANGE", `${name} ${value} exceeds 2^53 - 1`);
      }
      return Number(value);
    },
    write(view: DataView, base: number, value: number): void {
      checkRange(name, value, 0, Number.MAX_SAFE_INTEGER);
      view.setBigUint64(base + offset, BigInt(value), true);
    },
  } satisfies Field<number>;
}

/** A signed i64 kept as a bigint (timestamps in nanoseconds, like Node's BigIntStats). */
export function i64(name: string, offset: number) {
  return {
    offset,
    size: 8,
    read(view: DataView, base: number): bigint {
      return view.getBigInt64(base + offset, true);
    },
    write(view: DataView, base: number, value: bigint): void {
      if (BigInt.asIntN(64, value) !== value) {
        throw new FsProtocolError("FSIF_OUT_OF_RANGE", `${name} ${value} does not fit in i64`);
      }
      view.setBigInt64(base + offset, value, true);
    },
  } satisfies Field<bigint>;
}

/** A u8 that must be 0 or 1. */
export function bool(name: string, offset: number) {
  const byte = uint(name, offset, 1, 1);
  return {
    offset,
    size: 1,
    read: (view: DataView, base: number): boolean => byte.read(view, base) === 1,
    write: (view: DataView, base: number, value: boolean): void => byte.write(view, base, value ? 1 : 0),
  } satisfies Field<boolean>;
}

/** A u32 that must also pass `problem` (which names what is wrong, or returns undefined). */
export function checkedU32(name: string, offset: number, problem: (value: number) => string | undefined) {
  const word = uint(name, offset, 4);
  const check = (value: number): number => {
    const why = problem(value);
    if (why !== undefined) throw new FsProtocolError("FSIF_RESERVED", `${name}: ${why}`);
    return value;
  };
  return {
    offset,
    size: 4,
    read: (view: DataView, base: number): number => check(word.read(view, base)),
    write: (view: DataView, base: number, value: number): void => word.write(view, base, check(value)),
  } satisfies Field<number>;
}

import { FsProtocolError } from "../errors.js";
import type { Field, ValueOf } from "./field.js";

// biome-ignore lint/suspicious/noExplicitAny: a field table mixes fields of every value type
export type Fields = Readonly<Record<string, Field<any>>>;

export type ValuesOf<F extends Fields> = { readonly [K in keyof F]: ValueOf<F[K]> };

/**
 * A record of fields at fixed offsets within `size` bytes. Every byte no field covers is
 * reserved and must be zero: a slot then decodes to exactly one value, and re-encoding that
 * value gives back the same bytes.
 */
export interface Struct<T> extends Field<T> {
  readonly fields: Fields;
}

export function struct<F extends Fields>(
  name: string,
  offset: number,
  size: number,
  fields: F,
  check: (value: ValuesOf<F>) => void = () => {},
): Struct<ValuesOf<F>> {
  const reserved = reservedBytes(name, size, fields);
  const entries = Object.entries(fields);
  return {
    offset,
    size,
    fields,
    read(view, base) {
      const start = base + offset;
      for (const at of reserved) {
        if (view.getUint8(start + at) !== 0) {
          throw new FsProtocolError("FSIF_RESERVED", `${name}: reserved byte ${offset + at} is not zero`);
        }
      }
      const value = Object.fromEntries(entries.map(([key, field]) => [key, field.read(view, start)]));
      check(value as ValuesOf<F>);
      return value as ValuesOf<F>;
    },
    write(view, base, value) {
      check(value);
      const start = base + offset;
      for (const at of reserved) view.setUint8(start + at, 0);
      for (const [key, field] of entries) field.write(view, start, value[key]);
    },
  };
}

function reservedBytes(name: string, size: number, fields: Fields): number[] {
  const owner = new Array<string | undefined>(size).fill(undefined);
  for (const [key, field] of Object.entries(fields)) {
    for (let at = field.offset; at < field.offset + field.size; at++) {
      if (at >= size || owner[at] !== undefined) {
        throw new Error(`layout ${name}: field ${key} overlaps ${owner[at] ?? "the end"} at byte ${at}`);
      }
      owner[at] = key;
    }
  }
  return owner.flatMap((key, at) => (key === undefined ? [at] : []));
}

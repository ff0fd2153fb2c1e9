import { FSIF_HEADER_SIZE, FSIF_SLOT_SIZE } from "../limits.js";
import { type Fields, type Struct, struct, type ValuesOf } from "./struct.js";

/**
 * The op-specific part of a slot, after the 8-byte header. Field offsets here count from the
 * body's start (slot byte 8); bytes no field covers must be zero.
 */
export function body<F extends Fields>(
  name: string,
  fields: F,
  check?: (value: ValuesOf<F>) => void,
): Struct<ValuesOf<F>> {
  return struct(name, FSIF_HEADER_SIZE, FSIF_SLOT_SIZE - FSIF_HEADER_SIZE, fields, check);
}

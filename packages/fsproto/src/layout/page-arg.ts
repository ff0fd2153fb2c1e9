import { PAGE_SIZE } from "../limits.js";
import { uint } from "./field.js";
import { struct } from "./struct.js";

/** A page the frontend granted to carry an argument or receive a result, and its byte length. */
export interface PageArg {
  readonly gref: number;
  readonly length: number;
}

/** `gref` u32, `length` u16, 2 reserved bytes. */
export function pageArg(name: string, offset: number, maxLength = PAGE_SIZE, minLength = 1) {
  return struct(name, offset, 8, {
    gref: uint(`${name}.gref`, 0, 4),
    length: uint(`${name}.length`, 4, 2, maxLength, minLength),
  });
}

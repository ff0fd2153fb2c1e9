import { PATH_MAX } from "../limits.js";
import type { PageCodec } from "../page-codec.js";
import { decodeString, encodeString, type StringRule } from "./strings.js";

const PATH: StringRule = { what: "path", maxBytes: PATH_MAX, component: false };

/**
 * A path in a granted page: its UTF-8 bytes, no terminator; the slot's PageArg carries the
 * length. Whether it stays inside the export is the backend's check, not the codec's.
 */
export const pathCodec: PageCodec<string> = {
  maxBytes: PATH_MAX,
  encode: (path) => encodeString(path, PATH),
  decode: (bytes) => decodeString(bytes, PATH),
};

// DEFINE_RING_TYPES: a request and a response type share each entry, as a C union does.
import type { SlotCodec } from "./codec.js";
import { RingError } from "./errors.js";
import { ringSize } from "./layout.js";

export interface RingTypes<Req, Rsp> {
  readonly request: SlotCodec<Req>;
  readonly response: SlotCodec<Rsp>;
  /** sizeof(union <name>_sring_entry) */
  readonly entrySize: number;
  /** RING_SIZE: entries in one page, a power of two. */
  readonly nr_ents: number;
}

export function defineRingTypes<Req, Rsp>(
  request: SlotCodec<Req>,
  response: SlotCodec<Rsp>,
): RingTypes<Req, Rsp> {
  for (const [what, codec] of [
    ["request", request],
    ["response", response],
  ] as const) {
    if (!Number.isInteger(codec.size) || codec.size <= 0) {
      throw new RingError("EINVAL", `${what} codec size ${codec.size} is not a positive integer`);
    }
  }
  const entrySize = Math.max(request.size, response.size);
  return { request, response, entrySize, nr_ents: ringSize(entrySize) };
}

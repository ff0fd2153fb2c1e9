// DEFINE_RING_TYPES: a request and a response type share each entry, as a C union does.
import type { SlotCodec } from "./codec.js";
import { RingError } from "./errors.js";
import { ringSize } from "./layout.js";

export interface RingTypes<Req, Rsp> {
  readonly request: SlotCodec<Req>;
  readonly response: SlotCodec<Rsp>;
  /** sizeof(union <name>_sring_entry) */
  readonly entrySize: number;
  /** 4 KiB pages the shared ring spans (1, or 2^order for a multi-page ring). */
  readonly pages: number;
  /** RING_SIZE: entries in the ring's pages, a power of two. */
  readonly nr_ents: number;
}

/**
 * DEFINE_RING_TYPES plus the ring's size in pages: __CONST_RING_SIZE over `pages` 4 KiB pages
 * (the `size` that XEN_FRONT_RING_INIT and BACK_RING_INIT take is `XEN_PAGE_SIZE * pages`).
 */
export function defineRingTypes<Req, Rsp>(
  request: SlotCodec<Req>,
  response: SlotCodec<Rsp>,
  pages = 1,
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
  return { request, response, entrySize, pages, nr_ents: ringSize(entrySize, pages) };
}

// DEFINE_RING_TYPES(fsif, struct fsif_request, struct fsif_response): the XenFS device's one
// ring, shared by the backend and the frontend: one 4 KiB page of 120-byte entries, 32 of them.
import { defineRingTypes, ringPagesOfOrder } from "@xenfs/ring";
import { FSIF_RING_PAGE_ORDER } from "./limits.js";
import { fsRequestCodec } from "./request-codec.js";
import type { FsRequest } from "./requests.js";
import { fsResponseCodec } from "./response-codec.js";
import type { FsResponse } from "./responses.js";

export const fsifRing = defineRingTypes<FsRequest, FsResponse>(
  fsRequestCodec,
  fsResponseCodec,
  ringPagesOfOrder(FSIF_RING_PAGE_ORDER),
);

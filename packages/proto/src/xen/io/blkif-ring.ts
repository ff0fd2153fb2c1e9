// The blkif ring (io/blkif.h: DEFINE_RING_TYPES(blkif, …)) and its xenbus device type, the one
// definition blkback and blkfront share.

import { defineRingTypes, ringPagesOfOrder } from "@xenfs/ring";
import {
  type BlkifRequest,
  type BlkifResponse,
  blkifRequestCodec,
  blkifResponseCodec,
} from "./blkif-codec.js";

/** The xenbus device type of a virtual block device. */
export const VBD_DEVICE = "vbd";

/** DEFINE_RING_TYPES(blkif, …) over 2^order pages: 32 entries a page. */
export function blkifRingOfOrder(order: number) {
  return defineRingTypes<BlkifRequest, BlkifResponse>(
    blkifRequestCodec,
    blkifResponseCodec,
    ringPagesOfOrder(order),
  );
}

import { type BlkifRequest, type BlkifResponse, blkifRequestCodec, blkifResponseCodec } from "@xenfs/proto";
import { defineRingTypes, ringPagesOfOrder } from "@xenfs/ring";

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

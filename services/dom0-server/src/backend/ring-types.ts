import { type FsRequest, type FsResponse, fsRequestCodec, fsResponseCodec } from "@xenfs/fsproto";
import { defineRingTypes } from "@xenfs/ring";

/** The xenbus device type of XenFS (`/local/domain/<id>/device/xenfs/0`). */
export const XENFS_DEVICE = "xenfs";

/** One 4 KiB ring of fsproto slots (32 entries). */
export const xenfsRing = defineRingTypes<FsRequest, FsResponse>(fsRequestCodec, fsResponseCodec);

// DEFINE_RING_TYPES(xenfs, fsif_request, fsif_response): 120-byte slots, 32 per ring page.
import { fsRequestCodec, fsResponseCodec } from "@xenfs/fsproto";
import { defineRingTypes } from "@xenfs/ring";

export const XENFS_RING_TYPES = defineRingTypes(fsRequestCodec, fsResponseCodec);

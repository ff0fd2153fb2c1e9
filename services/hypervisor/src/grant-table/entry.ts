// grant_entry_v1 { uint16_t flags; domid_t domid; uint32_t frame; }, little-endian, 8 bytes.
import { GRANT_ENTRY_V1_SIZE } from "@xenfs/proto";

export interface GrantEntryV1 {
  readonly flags: number;
  readonly domid: number;
  readonly frame: number;
}

export function readGrantEntry(page: Uint8Array, index: number): GrantEntryV1 {
  const view = new DataView(page.buffer, page.byteOffset + index * GRANT_ENTRY_V1_SIZE, GRANT_ENTRY_V1_SIZE);
  return { flags: view.getUint16(0, true), domid: view.getUint16(2, true), frame: view.getUint32(4, true) };
}

/** The little-endian bytes of an entry's flags field (what Xen updates in place). */
export function flagsBytes(flags: number): Uint8Array {
  return new Uint8Array([flags & 0xff, (flags >> 8) & 0xff]);
}

export function frameBytes(frame: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, frame, true);
  return bytes;
}

// The layout of the host's machine-memory file, which the hypervisor creates and shm domains
// open: frame mfn at byte mfn × 4096, then one dirty byte per frame. Every process that writes a
// frame in place sets its byte to 1 after the write, so log-dirty sees writes the hypervisor
// never handles (docs/design.md#log-dirty). A byte, not a bit: a one-byte write needs no
// read-modify-write that could lose a neighbour's mark.
import { XEN_PAGE_SIZE } from "./xen/xen.js";

/** Where the dirty bytes start. */
export function dirtyMapOffset(frames: number): number {
  return frames * XEN_PAGE_SIZE;
}

/** The file's size for `frames` frames. */
export function memoryFileBytes(frames: number): number {
  return frames * XEN_PAGE_SIZE + frames;
}

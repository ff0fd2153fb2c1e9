import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { XenError } from "./errors.js";

/** Refuses an access that leaves the 4 KiB frame, as the hypervisor would (`-EINVAL`). */
export function checkRange(op: string, offset: number, length: number): void {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > XEN_PAGE_SIZE
  ) {
    throw XenError.errno(
      "EINVAL",
      op,
      `offset ${offset} + length ${length} leaves the ${XEN_PAGE_SIZE}-byte frame`,
    );
  }
}

/** Refuses a frame number that is not a u32. */
export function checkGpfn(op: string, gpfn: number): void {
  if (!Number.isInteger(gpfn) || gpfn < 0 || gpfn > 0xffffffff) {
    throw XenError.errno("EINVAL", op, `gpfn ${gpfn} is not a frame number`);
  }
}

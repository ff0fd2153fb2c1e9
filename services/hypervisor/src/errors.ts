// Hypercall failures carry Xen's status: GNTST_* for grant-table ops, −errno otherwise, and the
// status's stable name as `code`, which travels in Reply.code.
import { GNTST, XEN_ERRNO, type XenErrnoName } from "@xenfs/proto";

export class HypercallError extends Error {
  override readonly name = "HypercallError";
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** −errno failure: `errno("EINVAL", "offset past the page")`. */
export function errno(name: XenErrnoName, message: string): HypercallError {
  return new HypercallError(name, -XEN_ERRNO[name], message);
}

export type GntstName = Exclude<keyof typeof GNTST, "okay">;

/** Grant-table failure: `gntst("bad_gntref", "ref 9000 past the table")`. */
export function gntst(name: GntstName, message: string): HypercallError {
  return new HypercallError(`GNTST_${name}`, GNTST[name], message);
}

import { errnoName, gntstName, XEN_ERRNO, type XenErrnoName } from "@xenfs/proto";

/**
 * A hypercall (or a guest-side operation Xen would fail) that did not succeed. `code` is the stable
 * name (`GNTST_bad_gntref`, `EINVAL`); `status` is Xen's number for it (GNTST_* or −errno).
 */
export class XenError extends Error {
  override readonly name: string = "XenError";

  constructor(
    readonly code: string,
    readonly status: number,
    readonly op: string,
    message?: string,
    options?: ErrorOptions,
  ) {
    super(`${op}: ${code}${message ? ` (${message})` : ""}`, options);
  }

  /** An errno-class failure detected on this side of the wire. */
  static errno(name: XenErrnoName, op: string, message?: string, options?: ErrorOptions): XenError {
    return new XenError(name, -XEN_ERRNO[name], op, message, options);
  }

  /** The error a non-zero `Reply.status` stands for. */
  static fromStatus(op: string, status: number, code?: string | null, message?: string | null): XenError {
    const name = code || (op.startsWith("gnttab") ? gntstName(status) : errnoName(status));
    return new XenError(name, status, op, message ?? undefined);
  }
}

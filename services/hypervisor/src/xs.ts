// XenStore over the hypercall session: the request goes to the domain's XenStore connection.
import { XENSTORE_PAYLOAD_MAX } from "@xenfs/proto";
import { errno } from "./errors.js";
import type { Handler } from "./handler.js";

export const xs: Handler<"xs"> = (xen, caller, { type, txId, payload }) => {
  if (!caller.xs) throw errno("ENOSYS", "no XenStore in this hypervisor");
  if (payload.length > XENSTORE_PAYLOAD_MAX)
    throw errno("E2BIG", `payload over ${XENSTORE_PAYLOAD_MAX} bytes`);
  try {
    return { xs: caller.xs.request(type, txId, payload) };
  } catch (error) {
    xen.logger.error({ err: error, domid: caller.domid, type }, "xenstore request failed");
    throw errno("EIO", "xenstore failed on this request");
  }
};

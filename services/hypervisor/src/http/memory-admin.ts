// `xl mem-set` and `xl mem-max` over HTTP (dom0's token): PUT /api/domains/<domid>/memory with
// `{ "targetKb": n }` or `{ "maxKb": n }`. As libxl does, mem-set only writes the guest's
// memory/target (KiB) in XenStore: the guest's balloon driver (libxen balloon.ts) then gives frames
// back with decrease_reservation or takes more with populate_physmap. mem-max is
// XEN_DOMCTL_max_mem (the reservation's ceiling) plus memory/static-max. See docs/observing.md.
import type { IncomingMessage, ServerResponse } from "node:http";
import { DOMID_MAX_GUEST, encodeXsPayload, XEN_PAGE_SIZE, XS } from "@xenfs/proto";
import { HttpError, readJsonBody, sendJson } from "@xenfs/service-kit";
import type { Domain } from "../domain/domain.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";

const KB_PER_FRAME = XEN_PAGE_SIZE / 1024;

/** Writes one XenStore node as dom0 would (a privileged connection, closed again). */
function xsWrite(xen: Xen, path: string, value: string): void {
  const store = xen.config.xenstore;
  if (!store) throw new HttpError(503, "ENOSYS", "no XenStore in this hypervisor: nothing to tell the guest");
  const conn = store.connect(0, () => undefined);
  try {
    const reply = conn.request(XS.WRITE, 0, encodeXsPayload([path], value));
    if (reply.type === XS.ERROR) throw new HttpError(500, "EIO", `xenstore refused ${path}`);
  } finally {
    conn.close();
  }
}

function kb(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new HttpError(400, "EINVAL", `${key} must be whole KiB ≥ 0`);
  }
  return value;
}

function guest(xen: Xen, id: string | undefined): Domain {
  const domid = /^\d{1,5}$/.test(id ?? "") ? Number(id) : -1;
  if (domid < 0 || domid > DOMID_MAX_GUEST) throw new HttpError(400, "EINVAL", `bad domid ${id}`);
  const domain = xen.domains.live(domid);
  if (!domain) throw new HttpError(404, "ESRCH", `no live domain ${domid}`);
  return domain;
}

/** PUT /api/domains/<domid>/memory → `{ domid, frames, maxFrames, targetKb? }`. */
export async function putMemory(
  xen: Xen,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string,
): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const [id, what, ...more] = rest.split("/");
  if (what !== "memory" || more.length > 0)
    throw new HttpError(404, "ENOENT", `no resource at /api/domains/${rest}`);
  const domain = guest(xen, id);
  const body = ((await readJsonBody(req, 1024)) ?? {}) as Record<string, unknown>;
  const targetKb = kb(body, "targetKb");
  const maxKb = kb(body, "maxKb");
  if ((targetKb === undefined) === (maxKb === undefined)) {
    throw new HttpError(400, "EINVAL", 'body must be { "targetKb": n } or { "maxKb": n }');
  }
  const base = `/local/domain/${domain.domid}/memory`;
  if (maxKb !== undefined) {
    domain.maxFrames = Math.floor(maxKb / KB_PER_FRAME);
    xsWrite(xen, `${base}/static-max`, String(maxKb));
  }
  if (targetKb !== undefined) {
    const maxKbNow = domain.maxFrames * KB_PER_FRAME;
    if (targetKb > maxKbNow) {
      throw new HttpError(
        400,
        "EINVAL",
        `target ${targetKb} KiB is above the domain's maximum ${maxKbNow} KiB (xl mem-max)`,
      );
    }
    xsWrite(xen, `${base}/target`, String(targetKb));
  }
  xen.logger.info({ domid: domain.domid, targetKb, maxKb }, "memory target set");
  sendJson(res, 200, {
    domid: domain.domid,
    frames: domain.owned.size,
    maxFrames: domain.maxFrames,
    targetKb,
  });
}

// POST /api/mem-share `{ "domid": n }` or `{}` for every guest: `xl mem-share`, dom0's
// memory-manager scan (docs/design.md#copy-to-write), behind XEN_DOM0_TOKEN. Answers what the
// scan did and the frames sharing saves on the host.
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, type Route, readJsonBody, sendJson } from "@xenfs/service-kit";
import { memShareScan } from "../memory/mem-share-scan.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";

async function memShare(xen: Xen, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const body = (await readJsonBody(req, 1024)) as { domid?: unknown } | null;
  const domid = body?.domid;
  const guests = xen.domains.all().filter((d) => d.live && !d.privileged);
  let targets = guests;
  if (domid !== undefined) {
    const target = guests.find((d) => d.domid === domid);
    if (!target) throw new HttpError(404, "ESRCH", `no live guest with domid ${String(domid)}`);
    targets = [target];
  }
  const result = await memShareScan(xen, targets);
  xen.logger.info({ domid: domid ?? "all", ...result }, "mem-share");
  sendJson(res, 200, { ...result, sharedFrames: xen.memory.shared.frames });
}

export function memShareRoutes(xen: Xen): Route[] {
  return [{ method: "POST", path: "/api/mem-share", handler: (req, res) => memShare(xen, req, res) }];
}

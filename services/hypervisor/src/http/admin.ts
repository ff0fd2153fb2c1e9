// The admin API for operators and the toolstack (`xl`): dom0's domctl pause/unpause/destroy and
// its `fault` hypercall over HTTP, behind XEN_DOM0_TOKEN. The same functions as the hypercalls
// run, so refusals carry the same errno names.
import type { IncomingMessage, ServerResponse } from "node:http";
import { DOMID, DOMID_MAX_GUEST, formatFaults } from "@xenfs/proto";
import { HttpError, type Route, readJsonBody, sendJson } from "@xenfs/service-kit";
import { destroyDomain, pauseDomain, unpauseDomain } from "../domctl.js";
import { HypercallError } from "../errors.js";
import { replaceFaults } from "../fault-op.js";
import type { Xen } from "../xen.js";
import { requireDom0Token } from "./auth.js";

const ACTIONS: Readonly<Record<string, (xen: Xen, domid: number) => void>> = {
  pause: pauseDomain,
  unpause: unpauseDomain,
  destroy: destroyDomain,
};

/** The HTTP status of a hypercall's errno; the errno name stays the error's code. */
const STATUS: Readonly<Record<string, number>> = { ESRCH: 404, EINVAL: 400, EPERM: 403 };

function asHypercall(run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof HypercallError)) throw error;
    throw new HttpError(STATUS[error.code] ?? 500, error.code, error.message);
  }
}

const BAD_DOMID = `domid must be an integer in [0, ${DOMID_MAX_GUEST}]`;

function checkDomid(domid: unknown): number {
  if (typeof domid !== "number" || !Number.isInteger(domid) || domid < 0 || domid > DOMID_MAX_GUEST) {
    throw new HttpError(400, "EINVAL", BAD_DOMID);
  }
  return domid;
}

function parseFaultsBody(body: unknown): { domid: number; spec: string } {
  const { domid, spec } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof spec !== "string")
    throw new HttpError(400, "EINVAL", 'body must be { "domid": n, "spec": "…" }');
  // DOMID_XEN: the hypervisor-wide rules (docs/faults.md).
  return { domid: domid === DOMID.XEN ? DOMID.XEN : checkDomid(domid), spec };
}

function faultsView(xen: Xen) {
  const rules = xen.config.faults.current();
  return { spec: formatFaults(rules), rules };
}

/** POST /api/domains/<domid>/<pause|unpause|destroy> → `{ domid, state }` afterwards. */
function domainAction(xen: Xen, req: IncomingMessage, res: ServerResponse, rest: string): void {
  requireDom0Token(req, res, xen.config.dom0Token);
  const [id, action = "", ...more] = rest.split("/");
  const run = ACTIONS[action];
  if (!run || more.length > 0) {
    throw new HttpError(404, "ENOENT", `no action at /api/domains/${rest} (pause, unpause, destroy)`);
  }
  const domid = checkDomid(/^\d{1,5}$/.test(id ?? "") ? Number(id) : undefined);
  asHypercall(() => run(xen, domid));
  xen.logger.info({ domid, action }, "admin API");
  sendJson(res, 200, { domid, state: xen.domains.get(domid)?.state ?? "dead" });
}

/** PUT /api/faults `{ domid, spec }`: the fault hypercall (replaces that domain's rules). */
async function putFaults(xen: Xen, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireDom0Token(req, res, xen.config.dom0Token);
  const { domid, spec } = parseFaultsBody(await readJsonBody(req, 64 * 1024));
  asHypercall(() => replaceFaults(xen, domid, spec));
  sendJson(res, 200, faultsView(xen));
}

export function adminRoutes(xen: Xen): Route[] {
  return [
    {
      method: "POST",
      path: "/api/domains",
      prefix: true,
      handler: (req, res, { rest }) => domainAction(xen, req, res, rest),
    },
    { method: "PUT", path: "/api/faults", handler: (req, res) => putFaults(xen, req, res) },
    {
      method: "GET",
      path: "/api/faults",
      handler: (req, res) => {
        requireDom0Token(req, res, xen.config.dom0Token);
        sendJson(res, 200, faultsView(xen));
      },
    },
  ];
}

// XEN_DOMCTL_*: the toolstack's privileged calls. dom0 only; everyone else gets −EPERM.
// pause/unpause/destroy are exported for the HTTP admin API, which acts for dom0 too.
import { XEN_DOMCTL } from "@xenfs/proto";
import type { Domain } from "./domain/domain.js";
import { domainInfo } from "./domain/info.js";
import { errno } from "./errors.js";
import type { Handler } from "./handler.js";
import type { Xen } from "./xen.js";

/** A domain dom0 may act on: exists, and is not dom0 itself. */
function other(xen: Xen, domid: number): Domain {
  const domain = xen.domains.get(domid);
  if (!domain) throw errno("ESRCH", `no domain ${domid}`);
  if (domain.privileged) throw errno("EINVAL", "dom0 cannot do this to itself");
  return domain;
}

export function pauseDomain(xen: Xen, domid: number): void {
  const d = other(xen, domid);
  if (!d.live) throw errno("EINVAL", `dom${domid} is ${d.state}`);
  if (d.state === "running") xen.lifecycle.pause(d);
}

export function unpauseDomain(xen: Xen, domid: number): void {
  const d = other(xen, domid);
  if (d.state !== "paused") throw errno("EINVAL", `dom${domid} is not paused`);
  xen.lifecycle.unpause(d);
}

export function destroyDomain(xen: Xen, domid: number): void {
  xen.lifecycle.destroy(other(xen, domid), "destroyed by dom0");
}

export const domctl: Handler<"domctl"> = (xen, caller, { cmd, domain: domid, maxFrames }) => {
  if (!caller.privileged) throw errno("EPERM", "domctl is for dom0 only");
  switch (cmd) {
    case XEN_DOMCTL.getdomaininfo: {
      const domains = xen.domains
        .all()
        .filter((d) => d.domid >= domid)
        .map(domainInfo);
      if (domains.length === 0) throw errno("ESRCH", `no domain ≥ ${domid}`);
      return { domctl: { domains } };
    }
    case XEN_DOMCTL.pausedomain:
      pauseDomain(xen, domid);
      return undefined;
    case XEN_DOMCTL.unpausedomain:
      unpauseDomain(xen, domid);
      return undefined;
    case XEN_DOMCTL.destroydomain:
      destroyDomain(xen, domid);
      return undefined;
    case XEN_DOMCTL.max_mem: {
      const d = xen.domains.live(domid);
      if (!d) throw errno("ESRCH", `no domain ${domid}`);
      d.maxFrames = maxFrames;
      return undefined;
    }
    case XEN_DOMCTL.createdomain:
      throw errno("EOPNOTSUPP", "domains are created by joining the hypervisor");
    default:
      throw errno("ENOSYS", `domctl ${cmd} is not implemented`);
  }
};

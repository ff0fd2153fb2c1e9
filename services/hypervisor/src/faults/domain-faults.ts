// What a change of faults does to live domains at once: a partition cuts the domain's socket
// (its lease starts; its process is kept out until the heal), and crash rules aimed at a domain
// go to its process in a `processFaults` upcall, since the process applies them (docs/faults.md).
import type { Domain } from "../domain/domain.js";
import { sessionOf } from "../session/session.js";
import type { Xen } from "../xen.js";

/** Starts the partitions in `started` on the domains that hold those domids now. */
export function cutPartitioned(xen: Xen, started: readonly number[]): void {
  for (const domid of started) {
    const domain = xen.domains.live(domid);
    if (!domain) continue;
    xen.config.faults.namePartition(domid, domain.name);
    xen.logger.warn({ domid, name: domain.name }, "partition: domain cut off from the hypervisor");
    sessionOf(domain).cut();
  }
}

/** Sends `domid` its process's crash rules when they changed from `before`. */
export function sendProcessFaults(xen: Xen, domid: number, before: string): void {
  const spec = xen.config.faults.processSpec(domid);
  const domain = xen.domains.live(domid);
  if (spec === before || !domain) return;
  xen.upcall(domain, { processFaults: { spec } });
}

/** A domain joined: its crash rules from the hypervisor's XEN_FAULTS, and a partition that starts now. */
export function faultsOnJoin(xen: Xen, domain: Domain): void {
  const { faults } = xen.config;
  sendProcessFaults(xen, domain.domid, "");
  if (faults.joined(domain.domid)) {
    faults.namePartition(domain.domid, domain.name);
    // After the join's reply has gone out: the domain knows who it is, then loses the hypervisor.
    setTimeout(() => sessionOf(domain).cut(), 10).unref();
  }
}

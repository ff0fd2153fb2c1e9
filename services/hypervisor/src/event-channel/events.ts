// common/event_channel.c's share of the hypervisor that is not one hypercall: raising an event,
// a VIRQ, closing a port (its interdomain peer goes back to unbound), and a dying domain's ports.
import type { Domain } from "../domain/domain.js";
import type { DomainRegistry } from "../domain/registry.js";

export class Events {
  constructor(private readonly domains: DomainRegistry) {}

  /** evtchn_set_pending on `domain`'s `port`; raises the event upcall on the 0→1 edge. */
  notify(domain: Domain, port: number): void {
    if (domain.evtchn.setPending(port)) domain.link.raiseEvents();
  }

  sendVirq(domain: Domain, virq: number): void {
    const port = domain.evtchn.virqs.get(virq);
    if (port !== undefined && domain.live) this.notify(domain, port);
  }

  /** Closes a port; an interdomain peer goes back to unbound, waiting for the closer. */
  closePort(domain: Domain, port: number): void {
    const channel = domain.evtchn.get(port);
    if (channel?.state === "interdomain") {
      const peer = this.domains.get(channel.remoteDom);
      const peerEnd = peer?.evtchn.get(channel.remotePort);
      if (
        peer &&
        peerEnd?.state === "interdomain" &&
        peerEnd.remoteDom === domain.domid &&
        peerEnd.remotePort === port
      ) {
        peer.evtchn.set(channel.remotePort, { state: "unbound", remoteDom: domain.domid });
      }
    }
    domain.evtchn.free(port);
  }

  /** A dying domain: every port closes. */
  relinquish(domain: Domain): void {
    for (const [port] of [...domain.evtchn.entries()]) this.closePort(domain, port);
  }
}

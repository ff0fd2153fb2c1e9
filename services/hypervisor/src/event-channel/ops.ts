// EVTCHNOP_* (event_channel.h, 2-level ABI), plus evtchn_mask standing for the guest's mask bit.
import { DOMID, DOMID_MAX_GUEST, EVTCHNSTAT, NR_VIRQS } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { errno } from "../errors.js";
import type { Handler } from "../handler.js";
import type { Xen } from "../xen.js";
import { type Channel, EventChannels } from "./ports.js";

/** The domain a call acts on: itself, or any domain when the caller is dom0. */
function target(xen: Xen, caller: Domain, dom: number): Domain {
  const domid = xen.resolve(caller, dom);
  if (domid !== caller.domid && !caller.privileged) throw errno("EPERM", `only dom0 may act on dom${domid}`);
  const domain = xen.domains.live(domid);
  if (!domain) throw errno("ESRCH", `no domain ${domid}`);
  return domain;
}

function channelAt(domain: Domain, port: number): Channel {
  const channel = EventChannels.valid(port) ? domain.evtchn.get(port) : undefined;
  if (!channel) throw errno("EINVAL", `port ${port} is not open`);
  return channel;
}

function allocPort(domain: Domain, channel: Channel): number {
  const port = domain.evtchn.alloc(channel);
  if (port === undefined) throw errno("ENOSPC", "all event-channel ports are in use");
  return port;
}

export const evtchnAllocUnbound: Handler<"evtchnAllocUnbound"> = (xen, caller, { dom, remoteDom }) => {
  const domain = target(xen, caller, dom);
  const remote = remoteDom === DOMID.SELF ? caller.domid : remoteDom;
  if (remote > DOMID_MAX_GUEST) throw errno("EINVAL", `remote_dom ${remoteDom} is not a domain id`);
  return { evtchnPort: { port: allocPort(domain, { state: "unbound", remoteDom: remote }) } };
};

export const evtchnBindInterdomain: Handler<"evtchnBindInterdomain"> = (
  xen,
  caller,
  { remoteDom, remotePort },
) => {
  const remoteId = xen.resolve(caller, remoteDom);
  const remote = xen.domains.live(remoteId);
  if (!remote) throw errno("ESRCH", `no domain ${remoteId}`);
  const channel = channelAt(remote, remotePort);
  if (channel.state !== "unbound" || channel.remoteDom !== caller.domid) {
    throw errno("EINVAL", `dom${remoteId} port ${remotePort} is not unbound for dom${caller.domid}`);
  }
  const port = allocPort(caller, { state: "interdomain", remoteDom: remoteId, remotePort });
  remote.evtchn.set(remotePort, { state: "interdomain", remoteDom: caller.domid, remotePort: port });
  // Xen: notifications sent to the unbound port may have been lost, so the new local port is
  // conservatively made pending.
  xen.events.notify(caller, port);
  return { evtchnPort: { port } };
};

export const evtchnBindVirq: Handler<"evtchnBindVirq"> = (_xen, caller, { virq, vcpu }) => {
  if (virq >= NR_VIRQS) throw errno("EINVAL", `virq ${virq} >= NR_VIRQS`);
  if (vcpu !== 0) throw errno("ENOENT", `vcpu ${vcpu} does not exist (one vcpu per domain)`);
  if (caller.evtchn.virqs.has(virq)) throw errno("EEXIST", `virq ${virq} is already bound`);
  return { evtchnPort: { port: allocPort(caller, { state: "virq", virq }) } };
};

export const evtchnSend: Handler<"evtchnSend"> = (xen, caller, { port }) => {
  const channel = channelAt(caller, port);
  if (channel.state === "virq") throw errno("EINVAL", `port ${port} is a virq`);
  if (channel.state === "unbound") return undefined; // dropped silently, as Xen does
  xen.config.counters.evtchnSends.inc();
  caller.counts.evtchnSends++;
  caller.counts.sendsTo.set(channel.remoteDom, (caller.counts.sendsTo.get(channel.remoteDom) ?? 0) + 1);
  const remote = xen.domains.live(channel.remoteDom);
  if (remote) xen.events.notify(remote, channel.remotePort);
  return undefined;
};

export const evtchnClose: Handler<"evtchnClose"> = (xen, caller, { port }) => {
  channelAt(caller, port);
  xen.events.closePort(caller, port);
  return undefined;
};

export const evtchnStatus: Handler<"evtchnStatus"> = (xen, caller, { dom, port }) => {
  const domain = target(xen, caller, dom);
  if (!EventChannels.valid(port)) throw errno("EINVAL", `port ${port} out of range`);
  const channel = domain.evtchn.get(port);
  const status = { vcpu: 0 };
  if (!channel) return { evtchnStatus: { ...status, status: EVTCHNSTAT.closed } };
  switch (channel.state) {
    case "unbound":
      return { evtchnStatus: { ...status, status: EVTCHNSTAT.unbound, remoteDom: channel.remoteDom } };
    case "interdomain":
      return {
        evtchnStatus: {
          ...status,
          status: EVTCHNSTAT.interdomain,
          remoteDom: channel.remoteDom,
          remotePort: channel.remotePort,
        },
      };
    case "virq":
      return { evtchnStatus: { ...status, status: EVTCHNSTAT.virq, virq: channel.virq } };
  }
};

export const evtchnUnmask: Handler<"evtchnUnmask"> = (_xen, caller, { port }) => {
  channelAt(caller, port);
  if (caller.evtchn.unmask(port)) caller.link.raiseEvents();
  return undefined;
};

export const evtchnMask: Handler<"evtchnMask"> = (_xen, caller, { port }) => {
  channelAt(caller, port);
  caller.evtchn.mask(port);
  return undefined;
};

// What the toolstack sees of a domain (getdomaininfo, /api/domains).
import type { xen } from "@xenfs/proto";
import type { Domain } from "./domain.js";

export function domainInfo(d: Domain): xen.DomainInfo.$Properties & { domid: number; name: string } {
  return {
    domid: d.domid,
    name: d.name,
    state: d.state,
    totPages: d.owned.size,
    maxPages: d.maxFrames,
    shrPages: d.sharedPages,
    grantsActive: d.grantTable.active.size,
    portsOpen: d.evtchn.open,
    connected: d.link.connected,
  };
}

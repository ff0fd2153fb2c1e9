// JSON views of the machine for operators, the toolstack and tests.
import { type Route, sendJson } from "@xenfs/service-kit";
import type { Domain } from "../domain/domain.js";
import type { HostMemory } from "../memory/host-memory.js";
import type { Xen } from "../xen.js";

/** A domain process's own Rss and Pss, as it last reported them; null until it does. */
function reported(d: Domain) {
  return { rssBytes: d.memoryReport?.rssBytes ?? null, pssBytes: d.memoryReport?.pssBytes ?? null };
}

export function domainsView(xen: Xen) {
  return xen.domains.all().map((d) => {
    return {
      domid: d.domid,
      name: d.name,
      state: d.state,
      frames: d.owned.size,
      maxFrames: d.maxFrames,
      grants: d.grantTable.active.size,
      maps: d.maptrack.size,
      ports: d.evtchn.open,
      connected: d.link.connected,
      host: xen.hostName,
      ...reported(d),
      // The process's CPU time as it last reported it (xl list's Time(s)); null until it does.
      cpuSeconds: d.memoryReport ? d.memoryReport.cpuUsec / 1e6 : null,
    };
  });
}

export function memoryView(xen: Xen, host: () => HostMemory) {
  const { pool } = xen;
  return {
    frames: {
      total: pool.total,
      used: pool.used,
      shared: pool.shared,
      free: pool.free,
      // docs/design.md#copy-to-write
      privateCopies: pool.privateCopies,
      copyToWriteFaults: xen.memory.copyToWriteFaults,
      memShared: xen.memory.shared.frames,
      memSharingSaved: xen.memory.shared.saved,
    },
    domains: xen.domains.all().map((d) => ({
      domid: d.domid,
      name: d.name,
      frames: d.owned.size,
      mapped: d.maptrack.size,
      ...reported(d),
    })),
    host: host(),
  };
}

/** What each domain has done since it joined: counters, apart from its state (xl top's rates). */
export function statsView(xen: Xen) {
  return xen.domains.all().map((d) => ({
    domid: d.domid,
    hypercalls: d.counts.hypercalls,
    evtchnSends: d.counts.evtchnSends,
  }));
}

export function apiRoutes(xen: Xen, host: () => HostMemory): Route[] {
  return [
    { method: "GET", path: "/api/domains", handler: (_q, res) => sendJson(res, 200, domainsView(xen)) },
    { method: "GET", path: "/api/stats", handler: (_q, res) => sendJson(res, 200, statsView(xen)) },
    {
      method: "GET",
      path: "/api/memory",
      handler: (_q, res) => sendJson(res, 200, memoryView(xen, host)),
    },
  ];
}

// The grant graph: domains as nodes; edges for grants (granter → grantee: permit_access entries,
// read-only among them), active mappings (mapper → owner: how many, writable or read-only) and
// interdomain event channels (both ends, with the sends each way since they joined). Read from
// the grant-table frames (one read a frame), the maptracks and the port tables.
import {
  decodeGrantEntry,
  GRANT_ENTRIES_PER_FRAME,
  GRANT_ENTRY_V1_SIZE,
  GTF,
  XEN_PAGE_SIZE,
} from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import type { Xen } from "../xen.js";

export interface GraphNode {
  readonly domid: number;
  readonly name: string;
  readonly state: string;
  readonly frames: number;
}

export type GraphEdge =
  | {
      readonly kind: "grant";
      readonly from: number;
      readonly to: number;
      readonly count: number;
      readonly readonly: number;
    }
  | {
      readonly kind: "mapping";
      readonly from: number;
      readonly to: number;
      readonly writable: number;
      readonly readonly: number;
    }
  | {
      readonly kind: "evtchn";
      readonly from: number;
      readonly to: number;
      readonly ports: number;
      readonly sends: number;
    };

export interface GrantGraph {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

function grantEdges(d: Domain): GraphEdge[] {
  const byGrantee = new Map<number, { count: number; readonly: number }>();
  for (const { frame } of d.grantTable.frames) {
    const page = frame.read(0, XEN_PAGE_SIZE);
    for (let i = 0; i < GRANT_ENTRIES_PER_FRAME; i++) {
      const e = decodeGrantEntry(page.subarray(i * GRANT_ENTRY_V1_SIZE, (i + 1) * GRANT_ENTRY_V1_SIZE));
      if ((e.flags & GTF.type_mask) !== GTF.permit_access) continue;
      const edge = byGrantee.get(e.domid) ?? { count: 0, readonly: 0 };
      edge.count++;
      if (e.flags & GTF.readonly) edge.readonly++;
      byGrantee.set(e.domid, edge);
    }
  }
  return [...byGrantee].map(([to, e]) => ({ kind: "grant", from: d.domid, to, ...e }));
}

function mappingEdges(d: Domain): GraphEdge[] {
  const byOwner = new Map<number, { writable: number; readonly: number }>();
  for (const m of d.maptrack.values()) {
    const edge = byOwner.get(m.granter) ?? { writable: 0, readonly: 0 };
    if (m.readonly) edge.readonly++;
    else edge.writable++;
    byOwner.set(m.granter, edge);
  }
  return [...byOwner].map(([to, e]) => ({ kind: "mapping", from: d.domid, to, ...e }));
}

function channelEdges(d: Domain): GraphEdge[] {
  const byPeer = new Map<number, number>();
  for (const [, channel] of d.evtchn.entries()) {
    if (channel.state === "interdomain")
      byPeer.set(channel.remoteDom, (byPeer.get(channel.remoteDom) ?? 0) + 1);
  }
  return [...byPeer].map(([to, ports]) => ({
    kind: "evtchn",
    from: d.domid,
    to,
    ports,
    sends: d.counts.sendsTo.get(to) ?? 0,
  }));
}

export function grantGraph(xen: Xen): GrantGraph {
  const domains = xen.domains.all();
  return {
    nodes: domains.map((d) => ({ domid: d.domid, name: d.name, state: d.state, frames: d.owned.size })),
    edges: domains.flatMap((d) => [...grantEdges(d), ...mappingEdges(d), ...channelEdges(d)]),
  };
}

// The frame map and the grant graph: what a dashboard shows of a host where dom0 grants a guest a
// frame the guest maps and they share an event channel — as whole views, one frame in full, and
// the live feed that sends the whole map once and then only what changed.
import { GNTMAP, GTF } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";
import { OWNER_FREE } from "./frame-map.js";

interface Encoded {
  total: number;
  types: string[];
  owner: string;
  type: string;
  mappers: string;
}
const decode = (map: Encoded) => {
  const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
  const o = bytes(map.owner);
  return {
    owner: new Uint16Array(o.buffer, o.byteOffset, o.byteLength / 2),
    type: bytes(map.type),
    mappers: bytes(map.mappers),
  };
};

let host: TestHost;
let dom0: RawClient;
let guest: RawClient;
let pages: number[];
let mapMfn: number;
let hostGpfn: number;

beforeAll(async () => {
  host = await startTestHost(); // 4 MiB: 1024 frames
  dom0 = await host.dom0();
  guest = await host.guest("viewer");
  const table = await setupTable(dom0, 1);
  pages = await populate(dom0, 3);
  await grant(dom0, table, 5, GTF.permit_access, guest.domid, pages[1]!);
  await grant(dom0, table, 6, GTF.permit_access | GTF.readonly, guest.domid, pages[2]!);
  await connectPorts(dom0, guest);
});
afterAll(() => host.hv.close());

describe("frame map", () => {
  it("has each frame's owner, type and mappers; one frame in full names its gpfn, mappers and refs", async () => {
    const mapped = await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 5, dom: 0 } }));
    mapMfn = mapped.gnttabMapGrantRef!.mfn!;
    hostGpfn = mapped.gnttabMapGrantRef!.hostGpfn!;
    const map = await host.api<Encoded>("/api/frames");
    expect(map.total).toBe(1024);
    const { owner, type, mappers } = decode(map);
    expect([...owner].filter((o) => o === 0)).toHaveLength(4); // 1 grant-table frame + 3 RAM
    expect([...owner].filter((o) => o === OWNER_FREE)).toHaveLength(1020);
    expect(owner[mapMfn]).toBe(0);
    expect(map.types[type[mapMfn]!]).toBe("ram");
    expect(mappers[mapMfn]).toBe(1);
    expect([...type].filter((t) => map.types[t] === "grant_table")).toHaveLength(1);

    expect(await host.api(`/api/frames/${mapMfn}`)).toEqual({
      mfn: mapMfn,
      owner: 0,
      ownerName: "Domain-0",
      type: "ram",
      gpfn: pages[1],
      mappers: [
        {
          domid: guest.domid,
          gpfn: hostGpfn,
          handle: mapped.gnttabMapGrantRef!.handle,
          ref: 5,
          readonly: false,
        },
      ],
      grantRefs: [5],
    });
    expect((await fetch(`${host.hv.httpUrl}/api/frames/99999`)).status).toBe(404);
  });

  it("draws the grant graph: grants, the mapping and the event channel", async () => {
    await ok(guest.call({ evtchnSend: { port: 1 } }));
    const graph = await host.api<{ nodes: unknown[]; edges: unknown[] }>("/api/grants/graph");
    expect(graph.nodes).toEqual([
      { domid: 0, name: "Domain-0", state: "running", frames: 4 },
      { domid: guest.domid, name: "viewer", state: "running", frames: 0 },
    ]);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { kind: "grant", from: 0, to: guest.domid, count: 2, readonly: 1 },
        { kind: "mapping", from: guest.domid, to: 0, writable: 1, readonly: 0 },
        { kind: "evtchn", from: 0, to: guest.domid, ports: 1, sends: 0 },
        { kind: "evtchn", from: guest.domid, to: 0, ports: 1, sends: 1 },
      ]),
    );
  });

  it("feeds the whole map once, then only the frames that change, and the graph when it changes", async () => {
    const res = await fetch(`${host.hv.httpUrl}/api/frames/feed`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    type FeedData = Encoded & { changes: number[][]; types: string[]; edges: { kind: string }[] };
    const next = async (): Promise<{ event: string; data: FeedData }> => {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event && data) return { event, data: JSON.parse(data) as FeedData };
          continue;
        }
        const { value } = await reader.read();
        buffer += decoder.decode(value, { stream: true });
      }
    };
    const first = await next();
    expect(first.event).toBe("snapshot");
    expect(decode(first.data).mappers[mapMfn]).toBe(1);
    expect((await next()).event).toBe("graph");

    await ok(guest.call({ gnttabUnmapGrantRef: { handle: 1, hostGpfn } }));
    const [added] = await populate(guest, 1);
    expect(added).toBeGreaterThan(0);
    // Both changes may come in one tick or two; gather until the graph has lost the mapping.
    const changes: number[][] = [];
    let types: string[] = [];
    let graph: { edges: { kind: string }[] } | undefined;
    while (!graph || changes.length < 2) {
      const { event, data } = await next();
      if (event === "delta") {
        changes.push(...data.changes);
        types = data.types;
      }
      if (event === "graph") graph = data;
    }
    // The unmapped frame (no mapper now) and the guest's new frame; nothing else.
    expect(changes).toHaveLength(2);
    expect(changes).toContainEqual([mapMfn, 0, types.indexOf("ram"), 0]);
    expect(changes.find((c) => c[1] === guest.domid)).toBeDefined();
    expect(graph.edges.some((e) => e.kind === "mapping")).toBe(false);
    await reader.cancel();
  });
});

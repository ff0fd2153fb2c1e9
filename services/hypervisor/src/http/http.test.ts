import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ memoryMb: 2 });
  const dom0 = await host.dom0();
  const guest = await host.guest("web");
  const table = await setupTable(dom0);
  const [page] = await populate(dom0, 3);
  await grant(dom0, table, 1, 1, guest.domid, page!);
  await ok(guest.call({ gnttabMapGrantRef: { flags: 2, ref: 1, dom: 0 } }));
  await ok(guest.call({ evtchnBindVirq: { virq: 1, vcpu: 0 } }));
});
afterAll(() => host.hv.close());

const get = (path: string) => fetch(`${host.hv.httpUrl}${path}`);

describe("HTTP on the hypercall port", () => {
  it("answers /livez and /readyz", async () => {
    expect((await get("/livez")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
  });

  it("/api/memory and /api/domains show frames in use and shared, per domain", async () => {
    const unreported = { rssBytes: null, pssBytes: null };
    expect(await host.api("/api/memory")).toEqual({
      frames: {
        total: 512,
        used: 4,
        shared: 1,
        free: 508,
        privateCopies: 0,
        copyToWriteFaults: 0,
        memShared: 0,
        memSharingSaved: 0,
      },
      domains: [
        { domid: 0, name: "Domain-0", frames: 4, mapped: 0, ...unreported },
        { domid: 1, name: "web", frames: 0, mapped: 1, ...unreported },
      ],
      host: expect.objectContaining({
        memoryFile: { path: host.hv.memory.path, residentBytes: expect.any(Number) },
        domains: [],
        reportedPssBytes: 0,
      }),
    });
    expect(await host.api("/api/domains")).toEqual([
      {
        domid: 0,
        name: "Domain-0",
        state: "running",
        frames: 4,
        maxFrames: 512,
        grants: 1,
        maps: 0,
        ports: 0,
        connected: true,
        // The host it runs on: <hostname>:<port> when XEN_HOST_NAME is not set.
        host: `${hostname()}:${host.hv.port}`,
        ...unreported,
        cpuSeconds: null,
      },
      {
        domid: 1,
        name: "web",
        state: "running",
        frames: 0,
        maxFrames: 512,
        grants: 0,
        maps: 1,
        ports: 1,
        connected: true,
        // The host it runs on: <hostname>:<port> when XEN_HOST_NAME is not set.
        host: `${hostname()}:${host.hv.port}`,
        ...unreported,
        cpuSeconds: null,
      },
    ]);
  });

  it("/api/stats counts each domain's hypercalls and event sends", async () => {
    expect(await host.api("/api/stats")).toEqual([
      { domid: 0, hypercalls: 3, evtchnSends: 0 }, // setup_table, populate_physmap, the grant's mem_write
      { domid: 1, hypercalls: 2, evtchnSends: 0 }, // map_grant_ref, bind_virq
    ]);
  });

  it("/metrics exposes the xen_* figures in Prometheus text format", async () => {
    const res = await get("/metrics");
    expect(res.headers.get("content-type")).toMatch(/version=0\.0\.4/);
    const text = await res.text();
    for (const line of [
      "xen_memory_frames_total 512",
      "xen_memory_frames_used 4",
      "xen_memory_frames_shared 1",
      "xen_domains 2",
      "xen_grant_maps_active 1",
      "xen_evtchn_sends_total 0",
      'xen_hypercalls_total{op="gnttab_map_grant_ref"} 1',
      'xen_domain_frames{domid="0",name="Domain-0"} 4',
    ]) {
      expect(text).toContain(line);
    }
  });

  it("serves a self-contained dashboard that polls the two APIs", async () => {
    const res = await get("/");
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain("/api/memory");
    expect(html).toContain("/api/domains");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/); // no external assets
  });

  it("answers unknown paths with JSON 404 and refuses a WebSocket upgrade off /hypercall", async () => {
    const res = await get("/api/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "ENOENT" } });
    const ws = new WebSocket(host.hv.url.replace("/hypercall", "/elsewhere"));
    const status = await new Promise<number>((resolve) =>
      ws.on("unexpected-response", (_req, r) => resolve(r.statusCode ?? 0)),
    );
    expect(status).toBe(404);
  });
});

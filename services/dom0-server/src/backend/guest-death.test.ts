// A guest that dies holding files, mapped cache pages and an attribute page leaves nothing behind.
import { O } from "@xenfs/fsproto";
import { hvApi } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ok } from "../../test/ok.js";
import { startTestServer, type TestServer } from "../../test/server.js";

interface DomainView {
  domid: number;
  grants: number;
}

interface CacheView {
  frames: number;
  guests: { domid: number; openFiles: number; grants: number }[];
}

describe("a guest's death", () => {
  let host: TestServer;
  const dom0Grants = async () =>
    (await hvApi<DomainView[]>(host.hv, "/api/domains")).find((d) => d.domid === 0)?.grants;

  beforeAll(async () => {
    host = await startTestServer();
    await host.put("data.bin", new Uint8Array(3 * 4096).fill(1));
  });
  afterAll(async () => host?.stop());

  it("closes its files and ends every grant dom0 gave it, mapped or not", async () => {
    const survivor = await host.guest("survivor");
    const baseline = await dom0Grants();
    const { domain, front } = await host.guest("doomed");
    const file = ok(
      "open",
      await front.call({ op: "open", path: await front.path("data.bin"), flags: O.O_RDONLY, mode: 0 }),
    );
    const mapped = ok(
      "map_pages",
      await front.call({ op: "map_pages", fd: file.fd, first: 0, count: 3, indirect: false, listGref: 0 }),
    );
    const grefs = "grefs" in mapped.pages ? mapped.pages.grefs : [];
    for (const ref of grefs.slice(0, 2)) await domain.grants.mapGrantRef(0, ref, { readonly: true });
    await domain.grants.mapGrantRef(0, file.attrGref, { readonly: true });

    const held = await host.api<CacheView>("/api/cache");
    expect(held.guests.find((g) => g.domid === domain.domid)).toEqual({
      domid: domain.domid,
      openFiles: 1,
      grants: 4,
    });
    expect(await dom0Grants()).toBeGreaterThan(baseline ?? 0);

    await domain.close(); // SCHEDOP_shutdown: the hypervisor destroys the domain at once
    await vi.waitFor(
      async () => {
        const after = await host.api<CacheView>("/api/cache");
        expect(after.guests.map((g) => g.domid)).toEqual([survivor.domain.domid]);
        expect(await dom0Grants()).toBe(baseline);
      },
      { timeout: 10_000, interval: 100 },
    );
    // The cache keeps its pages for the next reader.
    expect((await host.api<CacheView>("/api/cache")).frames).toBe(3);
  });
});

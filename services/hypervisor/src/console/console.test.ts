// The console ring and what reads it: bounded, every info+ log line lands in it whatever the
// logger's level, and the debug keys print Xen's shapes ('g': gnttab_usage_print_all, 'q':
// dump_domains) into it and back to the caller of POST /api/debug-keys.
import { GNTMAP, GTF } from "@xenfs/proto";
import { silentLogger } from "@xenfs/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import { consoleLogger } from "./logger.js";
import { ConsoleRing } from "./ring.js";

describe("ConsoleRing", () => {
  it("keeps the newest lines within its bytes, each with (XEN) and a boot timestamp", () => {
    const ring = new ConsoleRing(100);
    for (let i = 0; i < 10; i++) ring.print(`line ${i}`);
    const lines = ring.read();
    expect(lines.length).toBeLessThan(10);
    expect(lines.at(-1)).toMatch(/^\(XEN\) \[ +\d+\.\d{6}\] line 9$/);
    expect(lines.reduce((n, l) => n + l.length + 1, 0)).toBeLessThanOrEqual(100);
    ring.clear();
    expect(ring.read()).toEqual([]);
  });

  it("takes info and above from a silent logger and its children, with their fields", () => {
    const ring = new ConsoleRing();
    const logger = consoleLogger(silentLogger(), ring);
    logger.debug("not kept");
    logger.info({ port: 7 }, "listening");
    logger.child({ domid: 3 }).warn("lease expired");
    expect(ring.read().map((l) => l.replace(/^\(XEN\) \[[^\]]*\] /, ""))).toEqual([
      "listening port=7",
      "WARN: lease expired domid=3",
    ]);
  });
});

describe("xl dmesg and debug keys over HTTP", () => {
  let host: TestHost;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${host.hv.httpUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/json" },
    });
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(() => host.hv.close());

  it("serves the ring to dom0's token only; clear=1 empties it after reading", async () => {
    expect((await fetch(`${host.hv.httpUrl}/api/dmesg`)).status).toBe(401);
    const { lines } = (await (await admin("/api/dmesg?clear=1")).json()) as { lines: string[] };
    expect(lines.some((l) => /hypervisor listening/.test(l))).toBe(true);
    const after = (await (await admin("/api/dmesg")).json()) as { lines: string[] };
    expect(after.lines.some((l) => /hypervisor listening/.test(l))).toBe(false);
  });

  it("'g' prints each active grant as Xen's gnttab_usage_print does; 'q' each domain", async () => {
    const dom0 = await host.dom0();
    const guest = await host.guest("mapper");
    const table = await setupTable(dom0, 1);
    const [page] = await populate(dom0, 1);
    await grant(dom0, table, 5, GTF.permit_access, guest.domid, page!);
    await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 5, dom: 0 } }));

    const res = await admin("/api/debug-keys", { method: "POST", body: JSON.stringify({ keys: "gq" }) });
    const { output } = (await res.json()) as { output: string[] };
    const g = output.indexOf("gnttab_usage_print_all [ key 'g' pressed");
    expect(output.slice(g, g + 5)).toEqual([
      "gnttab_usage_print_all [ key 'g' pressed",
      "      -------- active --------       -------- shared --------",
      "[ref] localdom mfn      pin          localdom gmfn     flags",
      "grant-table for remote d0 (v1)",
      "  1 frames (32 max), 0 maptrack frames (32 max)",
    ]);
    // [0x005] granted to the guest, one writable host mapping (pin 1), flags permit|reading|writing.
    expect(output[g + 5]).toMatch(
      new RegExp(
        `^\\[0x005\\]  +${guest.domid} 0x[0-9a-f]{5} 0x00000001  +${guest.domid} 0x${page!.toString(16).padStart(6, "0")} 0x19$`,
      ),
    );
    expect(output).toContain("grant-table for remote d1 (v1)");
    expect(output).toContain("  0 frames (32 max), 1 maptrack frames (32 max)");
    expect(output).toContain("no active grant table entries");
    expect(output).toContain("gnttab_usage_print_all ] done");
    expect(output.find((l) => l.startsWith("'q' pressed -> dumping domain info"))).toBeDefined();
    expect(output).toContain("General information for domain 1:");
    expect(
      output.some((l) => /^ {4}nr_pages=\d+ xenheap_pages=0 shared_pages=\d+ .* max_pages=\d+$/.test(l)),
    ).toBe(true);
    // The same dump went to the console ring.
    const { lines } = (await (await admin("/api/dmesg")).json()) as { lines: string[] };
    expect(lines.some((l) => l.endsWith("gnttab_usage_print_all ] done"))).toBe(true);

    const bad = await admin("/api/debug-keys", { method: "POST", body: JSON.stringify({ keys: "" }) });
    expect(bad.status).toBe(400);
    await guest.close();
    await dom0.close();
  });
});

// The dashboard in a real browser (Debian's Chromium): its script runs without errors and shows
// what the API says. Skipped, saying so, where Chromium is not installed (.ci/run installs it).
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DOMID, GNTMAP, GTF } from "@xenfs/proto";
import { skipReason } from "@xenfs/testkit-skip";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";

const CHROMIUM = "/usr/bin/chromium";
/** <repo>/results, where the bench writes too (ignored by git). */
const RESULTS = fileURLToPath(new URL("../../../../results/", import.meta.url));
const hasChromium = existsSync(CHROMIUM);

const TITLE = "dashboard in Chromium";

describe.skipIf(skipReason(TITLE, hasChromium ? undefined : `no ${CHROMIUM} (apt-get install chromium)`))(
  TITLE,
  () => {
    let host: TestHost;
    let browser: Browser;

    beforeAll(async () => {
      host = await startTestHost();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await host?.hv.close();
    });

    it("lists every domain, the frames in use and the real memory, with no script error", async () => {
      await host.dom0();
      const guest = await host.guest("browsed");
      await populate(guest, 7);
      await ok(guest.call({ memoryReport: { rssBytes: 48 * 1024 * 1024, pssBytes: 30 * 1024 * 1024 } }));
      const memory = (await host.api<{ frames: { used: number } }>("/api/memory")).frames;

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${host.hv.httpUrl}/`);
      await page.waitForFunction('document.querySelectorAll("#domains tr").length === 2');

      const rows = await page.$$eval("#domains tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
      expect(rows[0]).toContain("Domain-0");
      expect(rows[1]).toContain("browsed");
      expect(rows[1]).toContain("connected");
      expect(await page.textContent("#used")).toBe(String(memory.used));
      // Real memory beside the frames: the guest's report, the hypervisor's own, no memory file.
      expect(rows[1]).toContain("48.0 MiB");
      expect(rows[1]).toContain("30.0 MiB");
      expect(rows[0]).toContain("n/a"); // dom0 here is a raw client that never reported
      expect(await page.textContent("#domPss")).toBe("30.0 MiB");
      expect(await page.textContent("#domCount")).toBe("1 reporting");
      expect(await page.textContent("#hvPss")).toMatch(/^\d+\.\d MiB$/);
      expect(await page.textContent("#hostTotal")).toMatch(/^\d+\.\d MiB$/);
      expect(await page.textContent("#fileResident")).toMatch(/^\d+\.\d MiB$/);
      expect(await page.textContent("#filePath")).toBe(host.hv.memory.path);
      // The traffic panel needs two polls of /metrics; by then it shows the ops seen so far.
      await page.waitForFunction('document.querySelectorAll("#ops tr").length > 0');
      expect(await page.textContent("#ops")).toContain("populate_physmap");
      expect(errors).toEqual([]);
      await page.close();
    });

    it("shows the faults in force per domain once given the dom0 token, and follows their changes", async () => {
      const host = await startTestHost();
      await host.dom0();
      const guest = await host.guest("faulty");
      const putFaults = async (domid: number, spec: string) => {
        const response = await fetch(`${host.hv.httpUrl}/api/faults`, {
          method: "PUT",
          headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ domid, spec }),
        });
        expect(response.status).toBe(200);
      };
      await putFaults(guest.domid, "delay=5..20ms,dup.from=0.02");
      await putFaults(DOMID.XEN, "crash_after=999999999");

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${host.hv.httpUrl}/`);
      await page.waitForFunction('document.querySelectorAll("#domains tr").length === 2');
      // The admin API's view: nothing without the token, a refusal with the wrong one.
      expect(await page.textContent("#faultState")).toBe("no token");
      expect(await page.$$("#faults tr")).toHaveLength(0);
      await page.fill("#faultToken", "not-the-token");
      await page.click("#faultTokenSet");
      await page.waitForFunction('document.getElementById("faultState").textContent === "wrong token"');

      await page.fill("#faultToken", DOM0_TOKEN);
      await page.click("#faultTokenSet");
      await page.waitForFunction('document.querySelectorAll("#faults tr").length === 2');
      expect(await page.textContent("#faultState")).toBe("3 rules in force");
      const rows = () => page.$$eval("#faults tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
      expect(await rows()).toEqual([
        "–hypervisor-wide (every domain; crash rules: the hypervisor's)crash_after=999999999",
        `${guest.domid}faultydelay=5..20ms@${guest.domid}, dup.from=0.02@${guest.domid}`,
      ]);

      // Cleared and changed rules reach the page at its next poll; the token outlives a reload.
      await putFaults(DOMID.XEN, "");
      await putFaults(0, "delay=1ms");
      await page.reload();
      await page.waitForFunction(
        'document.querySelectorAll("#faults tr").length === 2 && document.querySelector("#faults tr").dataset.domid === "0"',
      );
      expect(await rows()).toEqual([
        "0Domain-0delay=1ms@0",
        `${guest.domid}faultydelay=5..20ms@${guest.domid}, dup.from=0.02@${guest.domid}`,
      ]);
      expect(errors).toEqual([]);
      await page.close();
      await host.hv.close();
    });

    it("draws the frame map and grant graph of guests sharing frames, live, and saves a screenshot", async () => {
      // A host of its own: the test above keeps its domains.
      const host = await startTestHost();
      const dom0 = await host.dom0();
      const table = await setupTable(dom0, 1);
      const pages = await populate(dom0, 64);
      const readers = [await host.guest("reader-a"), await host.guest("reader-b")];
      for (const [i, reader] of readers.entries()) {
        await populate(reader, 16 + 8 * i);
        await grant(dom0, table, 10 + i, GTF.permit_access, reader.domid, pages[i]!);
        await grant(dom0, table, 20 + i, GTF.permit_access | GTF.readonly, reader.domid, pages[10]!);
        await connectPorts(dom0, reader);
      }
      // pages[10] is mapped by both readers: a frame with two mappers.
      let sharedMfn = -1;
      for (const [i, reader] of readers.entries()) {
        await ok(reader.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 10 + i, dom: 0 } }));
        const ro = await ok(
          reader.call({
            gnttabMapGrantRef: { flags: GNTMAP.host_map | GNTMAP.readonly, ref: 20 + i, dom: 0 },
          }),
        );
        sharedMfn = ro.gnttabMapGrantRef!.mfn!;
      }

      const page = await browser.newPage({ viewport: { width: 1200, height: 2400 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${host.hv.httpUrl}/`);
      const ids = readers.map((r) => r.domid);
      // The page's own script runs in Chromium; these checks are its expressions (no DOM types here).
      const owners = 'document.getElementById("frameMap").dataset.owners.split(",").map(Number)';
      await page.waitForFunction(
        `Number(document.getElementById("frameMap").dataset.shared ?? 0) >= 3 && ${JSON.stringify(ids)}.every((d) => ${owners}.includes(d))`,
      );
      for (const domid of ids) {
        await page.waitForSelector(`#grantGraph g.node[data-domid="${domid}"]`);
        await page.waitForSelector(`#grantGraph path.mapping[data-from="${domid}"][data-to="0"]`);
        await page.waitForSelector(`#grantGraph path.grant[data-from="0"][data-to="${domid}"]`);
        await page.waitForSelector(`#grantGraph path.evtchn[data-from="${domid}"][data-to="0"]`);
      }
      expect(await page.textContent("#frameStats")).toMatch(
        /^1024 frames: \d+ in use, 3 mapped by another domain, \d+ free$/,
      );
      expect(await page.textContent("#grantGraph")).toContain("1 rw / 1 ro mapped");

      // Hover the shared frame: its owner and two mappers, from the map the feed sent; a click
      // asks the hypervisor for the rest (gpfn, grant refs, each mapper).
      const canvas = page.locator("#frameMap");
      const box = (await canvas.boundingBox())!;
      const { cols, rows } = (await page.evaluate(
        '({ cols: document.getElementById("frameMap").width, rows: document.getElementById("frameMap").height })',
      )) as { cols: number; rows: number };
      const at = {
        x: ((sharedMfn % cols) + 0.5) * (box.width / cols),
        y: (Math.floor(sharedMfn / cols) + 0.5) * (box.height / rows),
      };
      await canvas.hover({ position: at });
      expect(await page.textContent("#frameInfo")).toBe(
        `mfn ${sharedMfn}\nowner Domain-0 (d0)\ntype ram\nmappers 2`,
      );
      await canvas.click({ position: at });
      await page.waitForFunction('document.getElementById("frameInfo").textContent.includes("grant refs")');
      const info = (await page.textContent("#frameInfo")) ?? "";
      expect(info).toContain(`gpfn ${pages[10]}`);
      expect(info).toContain("grant refs 20, 21");
      expect(info).toMatch(
        new RegExp(`d${ids[0]} at gpfn \\d+ ref 20 ro; d${ids[1]} at gpfn \\d+ ref 21 ro`),
      );

      // Live: a new guest's frames reach the page as a delta, without reloading it.
      const late = await host.guest("late");
      await populate(late, 32);
      await page.waitForFunction(`${owners}.includes(${late.domid})`);
      await page.waitForSelector(`#grantGraph g.node[data-domid="${late.domid}"]`);

      await page.waitForFunction('document.querySelectorAll("#domains tr").length === 4'); // the polled table too
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: `${RESULTS}dashboard-frame-map.png`, fullPage: true });
      expect(existsSync(`${RESULTS}dashboard-frame-map.png`)).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
      await host.hv.close();
    });
  },
);

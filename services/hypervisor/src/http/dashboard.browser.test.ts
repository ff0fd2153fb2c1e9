// The dashboard in a real browser (Debian's Chromium): its script runs without errors and shows
// what the API says. Skipped, saying so, where Chromium is not installed (.ci/run installs it).
import { existsSync } from "node:fs";
import { skipReason } from "@xenfs/testkit-skip";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, populate } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";

const CHROMIUM = "/usr/bin/chromium";
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
  },
);

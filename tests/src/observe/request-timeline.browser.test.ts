// The dashboard's request-path timeline in a real browser (Debian's Chromium): on a host with a
// real dom0 serving XenFS and a guest that mounts it, the page opens the trace with dom0's token,
// the guest reads a file, and the page draws that request's path — the guest's span, its event to
// dom0, dom0's span, grant maps and hypercalls, the event back. Screenshot under results/.
// Skipped, saying so, where Chromium is not installed (.ci/run installs it).
import { existsSync, mkdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import { mount, type XenfsMount } from "@xenfs/domu-client";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { skipReason } from "@xenfs/testkit-skip";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
/** <repo>/results, where the bench writes too (ignored by git). */
const RESULTS = fileURLToPath(new URL("../../../results/", import.meta.url));
const TITLE = "request-path timeline in Chromium";

describe.skipIf(
  skipReason(TITLE, existsSync(CHROMIUM) ? undefined : `no ${CHROMIUM} (apt-get install chromium)`),
)(TITLE, () => {
  let hv: Hypervisor;
  let dir: string;
  let dom0: Dom0Server;
  let guest: XenDomain;
  let fs: XenfsMount;
  let browser: Browser;

  beforeAll(async () => {
    hv = await startTestHypervisor({ memoryMb: 16 });
    dir = await mkdtemp(join(tmpdir(), "timeline-"));
    await mkdir(join(dir, "export"));
    await writeFile(join(dir, "export/big.bin"), Buffer.alloc(3 * 4096, 7));
    dom0 = await startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir: join(dir, "export"),
      stateDir: join(dir, "state"),
      port: 0,
      cacheMb: 4,
    });
    guest = await joinGuest(hv, "timeline-guest");
    fs = await mount(guest, { mode: "shared", connectTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fs?.unmount().catch(() => {});
    await guest?.close();
    await dom0?.close();
    await hv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("traces one XenFS read and draws its path from guest to dom0 and back", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${hv.httpUrl}/`);
    await page.fill("#traceToken", DOM0_TOKEN);
    await page.click("#traceStart");
    // The feed is open once the domains are told; then the guest reads until the page has a path.
    while (!guest.trace.on) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reading = (async () => {
      while ((await page.textContent("#traceState")) !== "traced") {
        expect(await fs.readFile("big.bin")).toHaveLength(3 * 4096);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await page.waitForFunction('document.getElementById("traceState").textContent === "traced"', undefined, {
      timeout: 15_000,
    });
    await reading;
    // Every stage of the path has at least one bar: the two spans, the event each way, hypercalls.
    const rows = ((await page.getAttribute("#timeline", "data-rows")) ?? "").split(",");
    expect(rows).toEqual(expect.arrayContaining(["back", "dom0", "guest", "hyp", "ring"]));
    expect(await page.textContent("#timelineInfo")).toMatch(
      new RegExp(
        `^d${guest.domid} xenfs_\\w+ \\(ring id \\d+\\): [\\d.]+ ms in the guest, [\\d.]+ ms in dom0; \\d+ records$`,
      ),
    );
    // The page closed its feed: tracing is off again, and the domains are told.
    while (guest.trace.on) await new Promise((resolve) => setTimeout(resolve, 10));

    mkdirSync(RESULTS, { recursive: true });
    await page.locator("#timeline").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${RESULTS}dashboard-request-timeline.png`, fullPage: true });
    expect(existsSync(`${RESULTS}dashboard-request-timeline.png`)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

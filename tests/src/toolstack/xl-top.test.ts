// xl top as a person uses it: in a terminal (a pseudo-terminal from util-linux's `script`), it
// redraws the domains until `q` is typed, then exits 0 leaving the cursor shown. And in batch
// mode, in-process: screens one after another with the rates of what the domains did between them.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { skipReason } from "@xenfs/testkit-skip";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo, REPO_ROOT, startTestHost, type TestHost } from "./host.js";

const SCRIPT = "/usr/bin/script";

let host: TestHost;
let busy: XenDomain;
beforeAll(async () => {
  host = await startTestHost();
  await host.join("Domain-0", DOM0_TOKEN);
  busy = await host.join("busy");
  await busy.memory.populatePhysmap(64);
});
afterAll(() => host.stop());

describe("xl top -b", () => {
  it("prints a screen per update; the second has the hypercall rate of what the guest did", async () => {
    const captured = captureIo(host.env);
    const running = runXl(["top", "-b", "-i", "2", "-d", "1"], captured.io);
    // Between the first screen and the second (a second later): 30 calls from the guest.
    while (captured.stdout().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 30; i++) await busy.memory.populatePhysmap(1);
    expect(await running).toBe(0);
    const screens = captured.stdout().toString().trim().split("\n\n");
    expect(screens).toHaveLength(2);
    for (const screen of screens) {
      const lines = screen.split("\n");
      expect(lines[0]).toMatch(/^xl top - \d\d:\d\d:\d\d$/);
      expect(lines[1]).toBe("2 domains: 2 running, 0 paused, 0 dying");
      expect(lines[2]).toMatch(
        /^Mem: 16384k total, \d+k used, \d+k free {4}Frames: 4096 total, \d+ used, \d+ shared, \d+ free$/,
      );
      expect(lines[3]).toMatch(/^ +NAME +STATE +CPU\(sec\) CPU\(%\) +MEM\(k\) .* HCALLS\/s +EVTS\/s$/);
    }
    const busyRow = (screen: string) => screen.split("\n").find((l) => l.trimStart().startsWith("busy "));
    const first = busyRow(screens[0]!)!.trim().split(/ +/);
    const second = busyRow(screens[1]!)!.trim().split(/ +/);
    expect(first.at(-2)).toBe("0"); // no rate on the first screen
    // 30 populate_physmap calls (and maybe a memory report) over a little more than a second.
    expect(Number(second.at(-2))).toBeGreaterThan(10);
    expect(Number(second.at(-2))).toBeLessThanOrEqual(32);
    expect(Number(second[4])).toBeGreaterThanOrEqual((64 + 30) * 4); // MEM(k)
  });

  it("refuses a delay that is not a positive number", async () => {
    const captured = captureIo(host.env);
    expect(await runXl(["top", "-b", "-d", "0"], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(/delay must be a number > 0/);
  });
});

describe.skipIf(
  skipReason("xl top in a pseudo-terminal", existsSync(SCRIPT) ? undefined : `no ${SCRIPT} (util-linux)`),
)("xl top in a pseudo-terminal", () => {
  it("redraws the screen until q is typed, then exits 0 with the cursor shown again", async () => {
    const xl = `${REPO_ROOT}packages/toolstack/src/bin/xl.ts`;
    const command = `${process.execPath} --conditions=@xenfs/source --import tsx ${xl} top -d 0.2`;
    const child = spawn(SCRIPT, ["-qfec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...host.env, TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Two screens drawn: the view is live. Then the key.
    const deadline = Date.now() + 20_000;
    const CLEAR = "\x1b[H\x1b[2J";
    while (out.split(CLEAR).length - 1 < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(out).toContain("\x1b[?25l");
    expect(out).toMatch(/ +busy +r----- /);
    expect(out).toMatch(/ +Domain-0 +r----- /);
    child.stdin.write("q");
    expect(await exited).toBe(0);
    expect(out.endsWith("\x1b[?25h") || out.includes("\x1b[?25h")).toBe(true);
  }, 30_000);
});

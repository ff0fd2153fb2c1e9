// The real process: configuration errors, readiness, metrics, /api/cache and a clean SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Hypervisor } from "@xenfs/hypervisor";
import { DOM0_TOKEN, startTestHypervisor, tempExport } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

function startMain(env: Record<string, string>): ChildProcess {
  const { PATH = "" } = process.env;
  return spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", "src/main.ts"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: { PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves with the first JSON log line whose msg is `msg`. */
interface LogLine {
  readonly msg?: string;
  readonly domid?: number;
  readonly http?: string;
}

function logLine(child: ChildProcess, msg: string): Promise<LogLine> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const parsed = JSON.parse(line) as LogLine;
        if (parsed.msg === msg) resolve(parsed);
      }
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before logging "${msg}"`)));
  });
}

describe("dom0-server process", () => {
  let hv: Hypervisor;
  let dir: Awaited<ReturnType<typeof tempExport>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dir = await tempExport();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await hv?.close();
    await dir?.remove();
  });

  it("refuses a bad configuration with exit code 2, naming every bad variable", async () => {
    const child = startMain({
      XENFS_EXPORT: "/definitely/not/here",
      XENFS_CACHE_MB: "0",
      XEN_FAULTS: "crash_after=3@1", // aimed at another domain: not dom0's own
    });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr).toContain("XEN_DOM0_TOKEN");
    expect(stderr).toContain("XENFS_CACHE_MB");
    expect(stderr).toMatch(/XEN_FAULTS: crash_after@1: a domain's own faults take no @domid/);
  });

  it("joins as dom0, becomes ready, serves metrics and /api/cache, and stops cleanly on SIGTERM", async () => {
    const child = startMain({
      PORT: "0",
      XEN_HYPERVISOR_URL: hv.url,
      XEN_DOM0_TOKEN: DOM0_TOKEN,
      XENFS_EXPORT: dir.path,
      XENFS_CACHE_MB: "2",
    });
    children.push(child);
    const ready = await logLine(child, "dom0 ready");
    expect(ready.domid).toBe(0);
    const base = String(ready.http);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      "xenfs_page_cache_frames 0",
      "xenfs_page_cache_hits_total 0",
      "xenfs_page_cache_misses_total",
      "xenfs_page_cache_evictions_total",
      "xenfs_requests_total",
      "xenfs_guests 0",
    ]) {
      expect(metrics).toContain(name);
    }
    expect(await (await fetch(`${base}/api/cache`)).json()).toEqual({
      frames: 0,
      budgetFrames: 512,
      hits: 0,
      misses: 0,
      evictions: 0,
      revocations: 0,
      files: 0,
      guests: [],
    });

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});

// The hypervisor as a real process: configuration errors, XenStore wired through, signals, and
// the crash_after fault.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DOMID, XS } from "@xenfs/proto";
import { afterAll, describe, expect, it } from "vitest";
import { ok } from "../test/guest-ops.js";
import { RawClient } from "../test/raw-client.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const TOKENS = { XEN_CLUSTER_TOKEN: "cluster-secret", XEN_DOM0_TOKEN: "dom0-secret" };

interface Running {
  proc: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** The hypercall URL once the process logs "hypervisor ready". */
  ready: Promise<string>;
}

function run(env: Record<string, string>): Running {
  const proc = spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", MAIN], {
    env: { PATH: process.env["PATH"] ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.includes('"hypervisor ready"'));
      if (line) resolve(JSON.parse(line).url as string);
    });
    exit.then((e) => reject(new Error(`exited ${e.code}: ${e.stderr}`)));
  });
  ready.catch(() => undefined); // a process expected to fail never becomes ready
  return { proc, exit, ready };
}

const memoryDir = mkdtempSync(join(tmpdir(), "xenfs-main-"));
afterAll(() => rmSync(memoryDir, { recursive: true, force: true }));
const memoryFiles = () => readdirSync(memoryDir).filter((name) => name.startsWith("xenfs-memory."));

describe("main.ts", () => {
  it("exits 2 naming every bad variable, secrets unset or not, without printing secret values", async () => {
    const missing = await run({ XEN_MEMORY_MB: "lots" }).exit;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/XEN_CLUSTER_TOKEN: is required/);
    expect(missing.stderr).toMatch(/XEN_DOM0_TOKEN: is required/);
    expect(missing.stderr).toMatch(/XEN_MEMORY_MB/);
    const badFaults = await run({ ...TOKENS, XEN_FAULTS: "drop=2" }).exit;
    expect(badFaults.code).toBe(2);
    expect(badFaults.stderr).toMatch(/XEN_FAULTS: .*probability/);
    expect(badFaults.stderr).not.toContain("dom0-secret");
    const badDir = await run({ ...TOKENS, XEN_MEMORY_DIR: join(memoryDir, "absent") }).exit;
    expect(badDir.code).toBe(2);
    expect(badDir.stderr).toMatch(/XEN_MEMORY_DIR: .*not a writable directory/);
  });

  it("serves XenStore over xs hypercalls and stops cleanly on SIGTERM", async () => {
    const hv = run(TOKENS);
    const url = await hv.ready;
    const dom0 = await RawClient.join(url, TOKENS.XEN_DOM0_TOKEN, "Domain-0");
    const guest = await RawClient.join(url, TOKENS.XEN_CLUSTER_TOKEN, "web");
    const path = new TextEncoder().encode(`/local/domain/${guest.domid}/name\0`);
    const read = await ok(dom0.call({ xs: { type: XS.READ, txId: 0, payload: path } }));
    expect(read.xs?.type).toBe(XS.READ);
    expect(new TextDecoder().decode(read.xs?.payload ?? new Uint8Array())).toBe("web");
    hv.proc.kill("SIGTERM");
    expect((await hv.exit).code).toBe(0);
  });

  it("keeps machine memory in a file in XEN_MEMORY_DIR, removed on a clean exit", async () => {
    const hv = run({ ...TOKENS, XEN_MEMORY_DIR: memoryDir, XEN_MEMORY_MB: "4" });
    await hv.ready;
    expect(memoryFiles()).toEqual([expect.stringMatching(new RegExp(`^xenfs-memory\\.${hv.proc.pid}\\.`))]);
    hv.proc.kill("SIGTERM");
    expect((await hv.exit).code).toBe(0);
    expect(memoryFiles()).toEqual([]);
  });

  it("crash_after=N kills the process at the Nth hypercall; the next start replaces its memory file", async () => {
    const hv = run({ ...TOKENS, XEN_FAULTS: "crash_after=3", XEN_MEMORY_DIR: memoryDir, XEN_MEMORY_MB: "4" });
    const guest = await RawClient.join(await hv.ready, TOKENS.XEN_CLUSTER_TOKEN, "doomed");
    await ok(guest.call({ populatePhysmap: { nrExtents: 1 } }));
    await ok(guest.call({ populatePhysmap: { nrExtents: 1 } }));
    await expect(guest.call({ populatePhysmap: { nrExtents: 1 } })).rejects.toThrow(/closed/);
    expect((await hv.exit).signal).toBe("SIGKILL");
    const [stale] = memoryFiles();
    expect(stale).toMatch(new RegExp(`^xenfs-memory\\.${hv.proc.pid}\\.`));
    const next = run({ ...TOKENS, XEN_MEMORY_DIR: memoryDir, XEN_MEMORY_MB: "4" });
    await next.ready;
    expect(existsSync(join(memoryDir, stale!))).toBe(false);
    expect(memoryFiles()).toHaveLength(1);
    next.proc.kill("SIGTERM");
    expect((await next.exit).code).toBe(0);
  });

  it("crash_at=<op> set at run time on DOMID_XEN kills the process when it serves that op", async () => {
    const hv = run({ ...TOKENS, XEN_MEMORY_DIR: memoryDir, XEN_MEMORY_MB: "4" });
    const url = await hv.ready;
    const dom0 = await RawClient.join(url, TOKENS.XEN_DOM0_TOKEN, "Domain-0");
    const guest = await RawClient.join(url, TOKENS.XEN_CLUSTER_TOKEN, "doomed");
    await ok(dom0.call({ fault: { spec: "crash_at=evtchn_status", domid: DOMID.XEN } }));
    await ok(guest.call({ populatePhysmap: { nrExtents: 1 } }));
    await expect(guest.call({ evtchnStatus: { dom: DOMID.SELF, port: 1 } })).rejects.toThrow(/closed/);
    expect((await hv.exit).signal).toBe("SIGKILL");
    for (const stale of memoryFiles()) rmSync(join(memoryDir, stale));
  });
});

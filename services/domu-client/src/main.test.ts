// The guest as a real process: configuration errors, start against a real host, SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CLUSTER_TOKEN, DOM0_TOKEN } from "@xenfs/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../test/xenfs-host.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const children: ChildProcess[] = [];
const { PATH = "" } = process.env;

interface LogEntry {
  msg?: string;
  url?: string;
  domid?: number;
}

function startGuest(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", MAIN], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH, PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

async function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

/** The first JSON log line with this message. */
async function logLine(child: ChildProcess, msg: string): Promise<LogEntry> {
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const entry = JSON.parse(line) as LogEntry;
    if (entry.msg === msg) return entry;
  }
  throw new Error(`the process ended without logging "${msg}"`);
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("configuration", () => {
  it("refuses an unknown XENFS_MODE or block-mode setting, naming what it takes, with exit code 2", async () => {
    const { code, stderr } = await exited(
      startGuest({
        XEN_CLUSTER_TOKEN: "t",
        XENFS_MODE: "blok",
        XENFS_BLOCK_MOUNT: "rwx",
        XENFS_VBD_DEVID: "-1",
      }),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/XENFS_MODE.*shared, copy, cow, block/);
    expect(stderr).toMatch(/XENFS_BLOCK_MOUNT.*ro, rw/);
    expect(stderr).toContain("XENFS_VBD_DEVID");
  });

  it("names every bad variable at once", async () => {
    const { code, stderr } = await exited(
      startGuest({
        XENFS_MODE: "fast",
        PORT: "99999",
        XEN_HYPERVISOR_URL: "http://x",
        XENFS_WORKLOAD: "busy",
        XEN_FAULTS: "drop=1@3", // another domain's session, not the guest's own
      }),
    );
    expect(code).toBe(2);
    for (const key of ["XEN_CLUSTER_TOKEN", "XENFS_MODE", "PORT", "XEN_HYPERVISOR_URL", "XENFS_WORKLOAD"])
      expect(stderr).toContain(key);
    expect(stderr).toMatch(/XEN_FAULTS: drop@3: a domain's own faults take no @domid/);
  });
});

describe("against a real host", () => {
  let host: TestHost;
  const domains = async () =>
    (await (await fetch(`${host.hv.httpUrl}/api/domains`)).json()) as {
      domid: number;
      frames: number;
      grants: number;
      maps: number;
      ports: number;
    }[];

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("mounts, serves /api/mount with its domid bound in the logs, and stops on SIGTERM with 0", async () => {
    const child = startGuest({
      XEN_HYPERVISOR_URL: host.hv.url,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      XEN_DOMAIN_NAME: "proc-guest",
      XENFS_WORKLOAD: "demo",
    });
    const ready = await logLine(child, "guest ready");
    const url = ready.url as string;
    const mount = (await (await fetch(`${url}/api/mount`)).json()) as { domid: number; state: string };
    expect(mount).toMatchObject({ domid: ready.domid, state: "Connected" });
    const exit = exited(child);
    child.kill("SIGTERM");
    expect((await exit).code).toBe(0);
    // A clean exit ends the domain with SCHEDOP_shutdown: gone at once, not after its lease, and
    // no zombie (nothing of it is still mapped by dom0).
    const after = await domains();
    expect(after.map((d) => d.domid)).not.toContain(mount.domid);
    expect(after.find((d) => d.domid === 0)).toMatchObject({ maps: 0 });
  });

  it("follows xl mem-set with its balloon driver: its frames go up, down and up again, and XenFS reads on", async () => {
    const child = startGuest({
      XEN_HYPERVISOR_URL: host.hv.url,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      XEN_DOMAIN_NAME: "ballooned-guest",
    });
    const { url, domid } = (await logLine(child, "guest ready")) as { url: string; domid: number };
    const frames = async () => (await domains()).find((d) => d.domid === domid)?.frames ?? -1;
    // What xl mem-max / xl mem-set send (the hypervisor's admin API, dom0's token).
    const setMemory = async (body: { targetKb?: number; maxKb?: number }) => {
      const res = await fetch(`${host.hv.httpUrl}/api/domains/${domid}/memory`, {
        method: "PUT",
        headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    };
    const reaches = async (want: number) => {
      const deadline = Date.now() + 10_000;
      while ((await frames()) !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await frames()).toBe(want);
    };
    const readHello = async () => (await (await fetch(`${url}/fs/hello.txt`)).text()) as string;
    expect(await readHello()).toBe("hello, xenfs\n");
    const start = await frames();
    expect(start).toBeGreaterThan(0);
    await setMemory({ maxKb: (start + 32) * 4 });
    await setMemory({ targetKb: (start + 24) * 4 });
    await reaches(start + 24);
    expect(await readHello()).toBe("hello, xenfs\n");
    await setMemory({ targetKb: (start + 4) * 4 });
    await reaches(start + 4);
    expect(await readHello()).toBe("hello, xenfs\n");
    await setMemory({ targetKb: (start + 16) * 4 });
    await reaches(start + 16);
    expect(await readHello()).toBe("hello, xenfs\n");
    const exit = exited(child);
    child.kill("SIGTERM");
    expect((await exit).code).toBe(0);
  });
});

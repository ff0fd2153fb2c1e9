// `pnpm start` end to end, on the path it runs: the workspace built (as `pnpm start` builds it
// first), then the launcher's dist/main.js running every service's dist/main.js. It starts a
// whole host (hypervisor, dom0, three guests running the demo), reports its status as JSON lines,
// stops by itself after --duration and exits 0 with nothing left behind.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freeLauncherBase, launcherPorts, pidsWithEnv, portIsFree } from "@xenfs/testkit";
import { beforeAll, describe, expect, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GUESTS = 3;
const DURATION_SECONDS = 8;
/** A build from nothing takes about a minute on two cores; a built tree, a second. */
const BUILD_TIMEOUT_MS = 300_000;
const SERVICES = ["launcher", "hypervisor", "dom0-server", "domu-client"] as const;

/** One --json status line, as far as this test reads it. */
interface Status {
  domains: { domid: number; name: string; state: string }[] | null;
  memory: { used: number; shared: number } | null;
  guests: { name: string; mount: { mode: string; bytesRead: number } | null }[];
}

/** What `pnpm start` does before it launches: turbo builds whatever is not built yet. */
async function build(): Promise<void> {
  const args = ["exec", "turbo", "run", "build", "--output-logs=errors-only"];
  const options = { cwd: REPO_ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 };
  await promisify(execFile)("pnpm", args, options).catch((error: Error & { stdout?: string }) => {
    throw new Error(`pnpm ${args.join(" ")} failed: ${error.message}\n${error.stdout ?? ""}`);
  });
}

interface LogLine {
  level: number;
  msg: string;
  state?: string;
}

/** The lines of a service's log in run/logs/ (JSON lines), with the fields this test reads. */
async function logOf(service: string): Promise<LogLine[]> {
  const text = await readFile(join(REPO_ROOT, "run", "logs", `${service}.log`), "utf8");
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

async function runLauncher(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["services/launcher/dist/main.js", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env["PATH"] ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, stdout, stderr };
  } finally {
    // Only if the test gave up first; the launcher's own exit handler then kills its children.
    child.kill("SIGKILL");
  }
}

describe("pnpm start", () => {
  beforeAll(async () => {
    await build();
    // Every service has its build, so the launcher runs dist/ and never falls back to src/.
    for (const service of SERVICES) {
      expect(existsSync(join(REPO_ROOT, "services", service, "dist", "main.js")), service).toBe(true);
    }
  }, BUILD_TIMEOUT_MS + 10_000);

  it("runs a host with three guests for a short --duration and exits 0, leaving no process", async () => {
    const base = await freeLauncherBase(GUESTS);
    const run = await runLauncher([
      "--guests",
      String(GUESTS),
      "--duration",
      String(DURATION_SECONDS),
      "--base-port",
      String(base),
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);

    const statuses = run.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Status);
    expect(statuses.length).toBeGreaterThan(0);
    const last = statuses.at(-1) as Status;
    // dom0 and the three guests, all running (the hypervisor's /api/domains).
    expect(last.domains?.map((d) => [d.name, d.state]).sort()).toEqual([
      ["Domain-0", "running"],
      ["guest-1", "running"],
      ["guest-2", "running"],
      ["guest-3", "running"],
    ]);
    // The demo workload ran in every guest, through shared pages.
    for (const guest of last.guests) {
      expect(guest.mount?.mode).toBe("shared");
      expect(guest.mount?.bytesRead).toBeGreaterThan(0);
    }
    expect(last.guests.map((g) => g.name)).toEqual(["guest-1", "guest-2", "guest-3"]);
    expect(statuses.some((s) => (s.memory?.shared ?? 0) > 0)).toBe(true);

    // At the default log level each service's log says what it did.
    expect((await logOf("hypervisor")).filter((l) => l.level === 30).length).toBeGreaterThan(GUESTS);
    const connected = (lines: LogLine[], msg: string) =>
      lines.filter((l) => l.msg === msg && l.state === "Connected").length;
    expect(connected(await logOf("dom0"), "xenbus backend state")).toBe(GUESTS);
    expect(connected(await logOf("guest-1"), "xenbus frontend state")).toBe(1);

    // Every service stopped: no process with this host's hypervisor address in its environment,
    // and each port of the host can be bound again.
    expect(await pidsWithEnv(`XEN_HYPERVISOR_URL=ws://127.0.0.1:${base}/hypercall`)).toEqual([]);
    // The hypervisor itself is told only its port (its env spec reads no URL).
    expect(await pidsWithEnv(`PORT=${base}`)).toEqual([]);
    const free = await Promise.all(launcherPorts(base, GUESTS).map(portIsFree));
    expect(free).toEqual(launcherPorts(base, GUESTS).map(() => true));
  }, 150_000);
});

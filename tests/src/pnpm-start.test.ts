// `pnpm start` end to end: the launcher, run from source with every service from source too,
// starts a whole host (hypervisor, dom0, three guests running the demo), reports its status as
// JSON lines, stops by itself after --duration and exits 0 with nothing left behind.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freeLauncherBase, launcherPorts, portIsFree } from "./support/free-ports.js";
import { pidsWithEnv } from "./support/processes.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GUESTS = 3;
const DURATION_SECONDS = 8;

/** One --json status line, as far as this test reads it. */
interface Status {
  domains: { domid: number; name: string; state: string }[] | null;
  memory: { used: number; shared: number } | null;
  guests: { name: string; mount: { mode: string; bytesRead: number } | null }[];
}

async function runLauncher(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@xenfs/source", "--import", "tsx", "services/launcher/src/main.ts", ...args],
    { cwd: REPO_ROOT, env: { PATH: process.env["PATH"] ?? "" }, stdio: ["ignore", "pipe", "pipe"] },
  );
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
      "--from-source",
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

    // Every service stopped: no process with this host's hypervisor address in its environment,
    // and each port of the host can be bound again.
    expect(await pidsWithEnv(`XEN_HYPERVISOR_URL=ws://127.0.0.1:${base}/hypercall`)).toEqual([]);
    const free = await Promise.all(launcherPorts(base, GUESTS).map(portIsFree));
    expect(free).toEqual(launcherPorts(base, GUESTS).map(() => true));
  }, 150_000);
});

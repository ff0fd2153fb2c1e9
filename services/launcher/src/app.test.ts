import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Host, runHost } from "./app.js";
import { describeFailure } from "./failure-report.js";
import { parseOptions } from "./options.js";
import { SERVICE_FOLDERS } from "./plan.js";
import { isReady } from "./readiness.js";
import { DEFAULT_RESTART_POLICY } from "./restart-policy.js";

const FAKE = fileURLToPath(new URL("../test/fixtures/fake-service.mjs", import.meta.url));

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** A base port whose hypervisor, dom0 and first two guest ports are all free right now. */
async function freeBasePort(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const held = await Promise.all([base, base + 1, base + 100, base + 101].map(listen));
    await Promise.all(held.map((s) => s && new Promise((resolve) => s.close(resolve))));
    if (held.every(Boolean)) return base;
  }
}

let dir: string;
let repoRoot: string;
let host: Host | undefined;

/** A repository whose services/<folder>/dist/main.js is the fake service, for the given roles. */
async function fakeRepo(roles: (keyof typeof SERVICE_FOLDERS)[]): Promise<void> {
  for (const role of roles) {
    const dist = join(repoRoot, "services", SERVICE_FOLDERS[role], "dist");
    await mkdir(dist, { recursive: true });
    await copyFile(FAKE, join(dist, "main.js"));
  }
}

/** The fake service logs the XEN*, XENFS*, PORT, HOST and LOG_LEVEL variables it was given. */
type LoggedEnv = Readonly<
  Partial<Record<"XENSTORED_PATH" | "XENFS_EXPORT" | "XEN_CLUSTER_TOKEN" | "XEN_DOM0_TOKEN", string>>
>;

async function loggedEnv(path: string): Promise<LoggedEnv> {
  const first = (await readFile(path, "utf8")).split("\n")[0] ?? "{}";
  return (JSON.parse(first) as { env: LoggedEnv }).env;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "xenfs-app-"));
  repoRoot = join(dir, "repo");
});
afterEach(async () => {
  await host?.stop();
  host = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("runHost", () => {
  it("exports the sample tree and starts hypervisor, dom0 and guests with their environment", async () => {
    await fakeRepo(["hypervisor", "dom0", "guest"]);
    const base = await freeBasePort();
    const options = parseOptions(["--guests", "2", "--base-port", String(base), "--mode", "copy"]);
    host = await runHost({ ...options, runDir: join(dir, "run"), repoRoot });

    expect(host.skipped).toEqual([]);
    expect(host.services.map((s) => [s.spec.name, s.spec.port])).toEqual([
      ["hypervisor", base],
      ["dom0", base + 1],
      ["guest-1", base + 100],
      ["guest-2", base + 101],
    ]);
    expect(host.exportDir).toBe(join(dir, "run", "export"));
    expect(await readFile(join(host.exportDir, "README.txt"), "utf8")).toMatch(/exported by dom0/);

    const hypervisorEnv = await loggedEnv(join(dir, "run", "logs", "hypervisor.log"));
    const dom0Env = await loggedEnv(join(dir, "run", "logs", "dom0.log"));
    const guestEnv = await loggedEnv(join(dir, "run", "logs", "guest-2.log"));
    expect(hypervisorEnv.XENSTORED_PATH).toBe(join(dir, "run", "xenstored.sock"));
    expect(dom0Env.XENFS_EXPORT).toBe(host.exportDir);
    expect(guestEnv).toMatchObject({
      XEN_DOMAIN_NAME: "guest-2",
      XENFS_MODE: "copy",
      PORT: String(base + 101),
    });
    // Fresh random tokens, the same for every service of this host.
    expect(hypervisorEnv.XEN_CLUSTER_TOKEN).toMatch(/^[\w-]{32}$/);
    expect(guestEnv.XEN_CLUSTER_TOKEN).toBe(hypervisorEnv.XEN_CLUSTER_TOKEN);
    expect(dom0Env.XEN_DOM0_TOKEN).toBe(hypervisorEnv.XEN_DOM0_TOKEN);
    expect(guestEnv.XEN_DOM0_TOKEN).toBeUndefined();

    await host.stop();
    for (const service of host.services) expect(await isReady(service.spec.port)).toBe(false);
  });

  it("--hosts 2 starts a second hypervisor and dom0 beside the first: own tokens, the same export", async () => {
    await fakeRepo(["hypervisor", "dom0", "guest"]);
    let base = await freeBasePort();
    while (!(await Promise.all([base + 2, base + 3].map(listen))).every((s) => s?.close() ?? false))
      base = await freeBasePort();
    const options = parseOptions(["--hosts", "2", "--guests", "1", "--base-port", String(base)]);
    host = await runHost({ ...options, runDir: join(dir, "run"), repoRoot });

    expect(host.services.map((s) => [s.spec.name, s.spec.port])).toEqual([
      ["hypervisor", base],
      ["hypervisor-b", base + 2],
      ["dom0", base + 1],
      ["dom0-b", base + 3],
      ["guest-1", base + 100],
    ]);
    const a = await loggedEnv(join(dir, "run", "logs", "hypervisor.log"));
    const b = await loggedEnv(join(dir, "run", "logs", "hypervisor-b.log"));
    const dom0b = await loggedEnv(join(dir, "run", "logs", "dom0-b.log"));
    expect(b.XENSTORED_PATH).toBe(join(dir, "run", "xenstored-b.sock"));
    expect(b.XEN_DOM0_TOKEN).toMatch(/^[\w-]{32}$/);
    expect(b.XEN_DOM0_TOKEN).not.toBe(a.XEN_DOM0_TOKEN);
    expect(dom0b).toMatchObject({ XEN_DOM0_TOKEN: b.XEN_DOM0_TOKEN, XENFS_EXPORT: host.exportDir });
  });

  it("runs what exists: without dom0 the guests are skipped, and it says why", async () => {
    await fakeRepo(["hypervisor", "guest"]);
    const options = parseOptions(["--guests", "2", "--base-port", String(await freeBasePort())]);
    host = await runHost({ ...options, runDir: join(dir, "run"), repoRoot });
    expect(host.services.map((s) => s.spec.name)).toEqual(["hypervisor"]);
    expect(host.skipped).toEqual([
      { name: "dom0", reason: "services/dom0-server is not in this tree yet" },
      { name: "guest-1", reason: "needs dom0, which is not in this tree" },
      { name: "guest-2", reason: "needs dom0, which is not in this tree" },
    ]);
  });

  it("refuses to start without a hypervisor", async () => {
    await fakeRepo(["dom0", "guest"]);
    const options = parseOptions(["--base-port", String(await freeBasePort())]);
    await expect(runHost({ ...options, runDir: join(dir, "run"), repoRoot })).rejects.toMatchObject({
      code: "ENOSERVICE",
    });
  });

  it("refuses a port that is already taken before starting anything", async () => {
    await fakeRepo(["hypervisor", "dom0"]);
    const base = await freeBasePort();
    const squatter = (await listen(base + 1))!;
    try {
      const options = parseOptions(["--guests", "0", "--base-port", String(base)]);
      await expect(runHost({ ...options, runDir: join(dir, "run"), repoRoot })).rejects.toMatchObject({
        code: "EPORTINUSE",
        port: base + 1,
      });
      expect(await isReady(base)).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("stops the host with a message naming the service when it keeps crashing", async () => {
    await fakeRepo(["hypervisor", "dom0", "guest"]);
    // Every fake inherits this: the guest and dom0 crash soon after they are ready, again and again.
    process.env["FAKE_CRASH_AFTER_MS"] = "300";
    const events: string[] = [];
    try {
      const options = parseOptions(["--guests", "1", "--base-port", String(await freeBasePort())]);
      host = await runHost({
        ...options,
        runDir: join(dir, "run"),
        repoRoot,
        restartPolicy: { ...DEFAULT_RESTART_POLICY, maxRestarts: 1, backoffMinMs: 50 },
        onEvent: (message) => events.push(message),
      });
    } finally {
      delete process.env["FAKE_CRASH_AFTER_MS"];
    }
    const failure = await host.failure;
    const report = describeFailure(failure, dir);
    expect(report[0]).toMatch(
      /^error: (hypervisor|dom0|guest-1) crashed 2 times within 60s \(last: code 1\); giving up and stopping the host; last lines of run\/logs\/\1\.log:$/,
    );
    expect(report.join("\n")).toContain("crashing as configured");
    expect(events.some((e) => /restarting (hypervisor|dom0|guest-1) in 50 ms/.test(e))).toBe(true);
  });

  it("refuses an --export that is not a directory", async () => {
    await fakeRepo(["hypervisor"]);
    const file = join(dir, "a-file");
    await writeFile(file, "");
    for (const exportDir of [file, join(dir, "missing")]) {
      const options = parseOptions(["--export", exportDir]);
      await expect(runHost({ ...options, runDir: join(dir, "run"), repoRoot })).rejects.toMatchObject({
        code: "EOPTION",
        message: `--export ${exportDir} is not a directory`,
      });
    }
  });
});

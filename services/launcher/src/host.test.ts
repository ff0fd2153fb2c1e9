import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChildExitedError, NotReadyError, StartAbortedError } from "./errors.js";
import { type Launchable, type RunningHost, startHost } from "./host.js";
import type { Role } from "./plan.js";
import { isReady } from "./readiness.js";

const FAKE = fileURLToPath(new URL("../test/fixtures/fake-service.mjs", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dir: string;
let host: RunningHost | undefined;

async function fake(name: string, role: Role, env: Record<string, string> = {}): Promise<Launchable> {
  const port = await freePort();
  return {
    spec: { name, role, port, env: { PORT: String(port), HOST: "127.0.0.1", FAKE_NAME: name, ...env } },
    entry: { cwd: dir, args: [FAKE] },
  };
}

const start = async (tiers: Launchable[][], stopDeadlineMs = 3000): Promise<RunningHost> => {
  host = await startHost(tiers, { logDir: dir, readyTimeoutMs: 20_000, stopDeadlineMs });
  return host;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "xenfs-host-"));
});
afterEach(async () => {
  await host?.stop();
  host = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("startHost", () => {
  it("starts tier by tier, logs each service to its file and stops guests, then dom0, then the hypervisor", async () => {
    const stopLog = join(dir, "stopped.txt");
    const env = { FAKE_STOP_LOG: stopLog };
    const tiers = [
      [await fake("hypervisor", "hypervisor", env)],
      [await fake("dom0", "dom0", env)],
      [await fake("guest-1", "guest", env), await fake("guest-2", "guest", env)],
    ];
    const running = await start(tiers);
    expect(running.services.map((s) => s.spec.name)).toEqual(["hypervisor", "dom0", "guest-1", "guest-2"]);
    for (const service of running.services) {
      expect(await isReady(service.spec.port)).toBe(true);
      expect(await readFile(join(dir, `${service.spec.name}.log`), "utf8")).toContain(
        "fake service starting",
      );
    }

    await running.stop();
    const order = (await readFile(stopLog, "utf8")).trim().split("\n");
    expect(order.slice(0, 2).sort()).toEqual(["guest-1", "guest-2"]);
    expect(order.slice(2)).toEqual(["dom0", "hypervisor"]);
    for (const service of running.services) expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it("reports a service that dies during start-up with its log, and stops the ones already running", async () => {
    const hypervisor = await fake("hypervisor", "hypervisor");
    const dom0 = await fake("dom0", "dom0", { FAKE_EXIT_CODE: "3" });
    const failure = await startHost([[hypervisor], [dom0]], {
      logDir: dir,
      readyTimeoutMs: 20_000,
      stopDeadlineMs: 3000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChildExitedError);
    expect(failure).toMatchObject({
      code: "ECHILDEXIT",
      service: "dom0",
      exitCode: 3,
      logPath: join(dir, "dom0.log"),
    });
    expect((failure as ChildExitedError).logTail.join("\n")).toContain("dom0: fatal: configured to fail");
    expect(await isReady(hypervisor.spec.port)).toBe(false);
  });

  it("reports a service that cannot even be spawned, with the reason in its log", async () => {
    const ghost = await fake("hypervisor", "hypervisor");
    const failure = await startHost(
      [[{ ...ghost, entry: { cwd: join(dir, "no-such-folder"), args: [FAKE] } }]],
      {
        logDir: dir,
        readyTimeoutMs: 20_000,
        stopDeadlineMs: 3000,
      },
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ECHILDEXIT", service: "hypervisor" });
    expect((failure as ChildExitedError).logTail.join("\n")).toMatch(/could not start hypervisor: .*ENOENT/);
  });

  it("gives up on a service that never gets ready", async () => {
    const never = await fake("hypervisor", "hypervisor", { FAKE_NEVER_READY: "1" });
    const failure = await startHost([[never]], {
      logDir: dir,
      readyTimeoutMs: 1000,
      stopDeadlineMs: 3000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotReadyError);
    expect(failure).toMatchObject({ code: "ENOTREADY", service: "hypervisor" });
  });

  it("stops what has started when start-up is aborted, and says it was aborted", async () => {
    const hypervisor = await fake("hypervisor", "hypervisor");
    const slow = await fake("dom0", "dom0", { FAKE_NEVER_READY: "1" });
    const abort = new AbortController();
    const failure = await startHost([[hypervisor], [slow], [await fake("guest-1", "guest")]], {
      logDir: dir,
      readyTimeoutMs: 60_000,
      stopDeadlineMs: 3000,
      abort: abort.signal,
      onProgress: (message) => {
        if (message === `starting dom0 on port ${slow.spec.port}`) abort.abort();
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartAbortedError);
    expect(await isReady(hypervisor.spec.port)).toBe(false);
    await expect(readFile(join(dir, "guest-1.log"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reports through `failure` a service that exits while the host runs", async () => {
    const running = await start([[await fake("hypervisor", "hypervisor")], [await fake("guest-1", "guest")]]);
    const guest = running.services[1]!;
    process.kill(guest.pid, "SIGKILL");
    const failure = await running.failure;
    expect(failure).toMatchObject({ code: "ECHILDEXIT", service: "guest-1", signal: "SIGKILL" });
    expect(failure.logTail.join("\n")).toContain("fake service starting");
  });

  it("kills a service that ignores SIGTERM once the deadline passes", async () => {
    const running = await start(
      [[await fake("hypervisor", "hypervisor", { FAKE_IGNORE_SIGTERM: "1" })]],
      300,
    );
    await running.stop();
    expect(await running.services[0]!.exited).toEqual({ code: null, signal: "SIGKILL" });
  });
});

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChildExitedError, NotReadyError, RestartLimitError, StartAbortedError } from "./errors.js";
import { type Launchable, type RunningHost, startHost } from "./host.js";
import type { Role } from "./plan.js";
import { isReady } from "./readiness.js";
import { DEFAULT_RESTART_POLICY, NO_RESTART, type RestartPolicy } from "./restart-policy.js";

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

const start = async (
  tiers: Launchable[][],
  stopDeadlineMs = 3000,
  policy: RestartPolicy = NO_RESTART,
  onEvent: (message: string) => void = () => {},
): Promise<RunningHost> => {
  host = await startHost(tiers, { logDir: dir, readyTimeoutMs: 20_000, stopDeadlineMs, policy, onEvent });
  return host;
};

/** Restarts quick enough for a test; the limit and window as `pnpm start` has them. */
const FAST: RestartPolicy = { ...DEFAULT_RESTART_POLICY, backoffMinMs: 50, backoffMaxMs: 400 };

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

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
    for (const service of running.services) {
      expect(await service.process!.exited).toEqual({ code: 0, signal: null });
    }
  });

  it("reports a service that dies during start-up with its log, and stops the ones already running", async () => {
    const hypervisor = await fake("hypervisor", "hypervisor");
    const dom0 = await fake("dom0", "dom0", { FAKE_EXIT_CODE: "3" });
    const failure = await startHost([[hypervisor], [dom0]], {
      logDir: dir,
      readyTimeoutMs: 20_000,
      stopDeadlineMs: 3000,
      policy: NO_RESTART,
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
        policy: NO_RESTART,
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
      policy: FAST,
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
      policy: FAST,
      abort: abort.signal,
      onProgress: (message) => {
        if (message === `starting dom0 on port ${slow.spec.port}`) abort.abort();
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartAbortedError);
    expect(await isReady(hypervisor.spec.port)).toBe(false);
    await expect(readFile(join(dir, "guest-1.log"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("restarts a guest killed with SIGKILL, appends to its log and says so", async () => {
    const events: string[] = [];
    const running = await start(
      [
        [await fake("hypervisor", "hypervisor")],
        [await fake("guest-1", "guest"), await fake("guest-2", "guest")],
      ],
      3000,
      FAST,
      (message) => events.push(message),
    );
    const [, guest, other] = running.services;
    const firstPid = guest!.pid!;
    process.kill(firstPid, "SIGKILL");
    await until(() => guest!.state === "running" && guest!.restarts === 1);
    expect(guest!.pid).not.toBe(firstPid);
    expect(await isReady(guest!.spec.port)).toBe(true);
    expect(other!.status()).toMatchObject({ state: "running", restarts: 0 });
    expect(events).toEqual([
      "guest-1 crashed (SIGKILL); restarting guest-1 in 50 ms",
      "guest-1 is running again (restart 1)",
    ]);
    const log = await readFile(join(dir, "guest-1.log"), "utf8");
    expect(log.match(/fake service starting/g)).toHaveLength(2);
    expect(log).toContain("launcher: restart 1 of guest-1");
    expect(guest!.status()).toMatchObject({ name: "guest-1", lastExit: "SIGKILL", restartInMs: undefined });
  });

  it("with restarts off, leaves a crashed guest down and the rest of the host running", async () => {
    const events: string[] = [];
    const running = await start(
      [
        [await fake("hypervisor", "hypervisor")],
        [await fake("dom0", "dom0")],
        [await fake("guest-1", "guest")],
      ],
      3000,
      NO_RESTART,
      (message) => events.push(message),
    );
    const [hypervisor, dom0, guest] = running.services;
    process.kill(guest!.pid!, "SIGKILL");
    await until(() => guest!.state === "crashed");
    expect(events).toEqual(["guest-1 crashed (SIGKILL); left down (--no-restart)"]);
    expect(guest!.status()).toMatchObject({ pid: undefined, restarts: 0, lastExit: "SIGKILL" });
    // dom0's crash stands too; the hypervisor goes on.
    process.kill(dom0!.pid!, "SIGKILL");
    await until(() => dom0!.state === "crashed");
    expect(await isReady(hypervisor!.spec.port)).toBe(true);
    const settled = await Promise.race([
      running.failure,
      new Promise((r) => setTimeout(() => r("running"), 500)),
    ]);
    expect(settled).toBe("running");
  });

  it("with restarts off, starts the other guests when one dies during start-up", async () => {
    const running = await start(
      [
        [await fake("hypervisor", "hypervisor")],
        [await fake("guest-1", "guest", { FAKE_EXIT_CODE: "1" }), await fake("guest-2", "guest")],
      ],
      3000,
      NO_RESTART,
    );
    expect(running.services.map((s) => [s.spec.name, s.state])).toEqual([
      ["hypervisor", "running"],
      ["guest-1", "crashed"],
      ["guest-2", "running"],
    ]);
  });

  it("stops trying after too many crashes in the window and names the service", async () => {
    const policy: RestartPolicy = { ...FAST, maxRestarts: 2 };
    const events: string[] = [];
    const running = await start(
      [
        [await fake("hypervisor", "hypervisor")],
        [await fake("guest-1", "guest", { FAKE_CRASH_AFTER_MS: "100" })],
      ],
      3000,
      policy,
      (message) => events.push(message),
    );
    const failure = await running.failure;
    expect(failure).toBeInstanceOf(RestartLimitError);
    expect(failure).toMatchObject({ code: "ERESTARTLIMIT", service: "guest-1", crashes: 3 });
    expect(failure.message).toBe(
      "guest-1 crashed 3 times within 60s (last: code 1); giving up and stopping the host",
    );
    expect((failure as RestartLimitError).logTail.join("\n")).toContain("guest-1: crashing as configured");
    // Backoff doubles between the crashes.
    expect(events.filter((e) => e.includes("restarting"))).toEqual([
      "guest-1 crashed (code 1); restarting guest-1 in 50 ms",
      "guest-1 crashed (code 1); restarting guest-1 in 100 ms",
    ]);
    expect(running.services[1]!.state).toBe("crashed");
  });

  it("does not restart a service that refuses its configuration (exit 2)", async () => {
    const failure = await startHost([[await fake("hypervisor", "hypervisor", { FAKE_EXIT_CODE: "2" })]], {
      logDir: dir,
      readyTimeoutMs: 20_000,
      stopDeadlineMs: 3000,
      policy: FAST,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ECHILDEXIT", service: "hypervisor", exitCode: 2 });
    const log = await readFile(join(dir, "hypervisor.log"), "utf8");
    expect(log).not.toContain("launcher: restart");
  });

  it("kills a service that ignores SIGTERM once the deadline passes", async () => {
    const running = await start(
      [[await fake("hypervisor", "hypervisor", { FAKE_IGNORE_SIGTERM: "1" })]],
      300,
    );
    await running.stop();
    expect(await running.services[0]!.process!.exited).toEqual({ code: null, signal: "SIGKILL" });
  });
});

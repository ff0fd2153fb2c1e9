// The launcher against the real hypervisor, alone: started from its TypeScript source (the code
// under test, not a possibly stale build), ready, then stopped cleanly.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { skipReason } from "@xenfs/testkit-skip";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChildExitedError } from "./errors.js";
import { type RunningHost, startHost } from "./host.js";
import { parseOptions } from "./options.js";
import { planHost, type ServiceSpec } from "./plan.js";
import { isReady } from "./readiness.js";
import { NO_RESTART } from "./restart-policy.js";
import { serviceDir, sourceEntry } from "./service-entry.js";

const present = existsSync(join(serviceDir("hypervisor"), "src", "main.ts"));
const TITLE = "the real hypervisor as a child process";
const skip = skipReason(
  TITLE,
  present ? undefined : "services/hypervisor/src/main.ts is not in the tree yet",
);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dir: string;
let host: RunningHost | undefined;

async function hypervisorSpec(): Promise<ServiceSpec> {
  const options = parseOptions([
    "--guests",
    "0",
    "--base-port",
    String(await freePort()),
    "--log-level",
    "info",
  ]);
  const plan = planHost(
    options,
    { exportDir: dir, xenstoredPath: join(dir, "xenstored.sock") },
    { cluster: "test-cluster-token", dom0: "test-dom0-token" },
  );
  return plan.hypervisor;
}

const startOptions = () => ({
  logDir: dir,
  readyTimeoutMs: 60_000,
  stopDeadlineMs: 10_000,
  policy: NO_RESTART,
});

describe.skipIf(skip)(TITLE, () => {
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "xenfs-hv-"));
  });
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("starts, answers /readyz, and exits 0 on SIGTERM", async () => {
    const spec = await hypervisorSpec();
    host = await startHost([[{ spec, entry: sourceEntry("hypervisor") }]], startOptions());
    expect(await isReady(spec.port)).toBe(true);

    await host.stop();
    expect(await host.services[0]!.process!.exited).toEqual({ code: 0, signal: null });
    expect(await isReady(spec.port)).toBe(false);
  });

  it("reports a hypervisor that refuses its configuration, with the reason from its log", async () => {
    const spec = await hypervisorSpec();
    const broken = { ...spec, env: { ...spec.env, XEN_MEMORY_MB: "lots" } };
    const failure = await startHost(
      [[{ spec: broken, entry: sourceEntry("hypervisor") }]],
      startOptions(),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChildExitedError);
    expect((failure as ChildExitedError).logTail.join("\n")).toContain("XEN_MEMORY_MB");
  });
});

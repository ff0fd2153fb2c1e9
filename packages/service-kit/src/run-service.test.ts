import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SERVICE_EXIT } from "./run-service.js";

const child = fileURLToPath(new URL("../test/fixtures/service-child.ts", import.meta.url));

interface Ended {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the fake service with `env`; sends SIGTERM once its stdout shows `signalOn`. */
function run(env: Record<string, string>, signalOn?: string): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", child], {
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (signalOn && stdout.includes(signalOn) && !proc.killed) proc.kill("SIGTERM");
    });
    proc.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.on("error", reject);
    proc.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("runService", () => {
  it("exits 2 on a bad environment, naming every bad variable", async () => {
    const { code, stderr } = await run({ FAKE_START: "later", FAKE_PORT: "10" });
    expect(code).toBe(SERVICE_EXIT.config);
    expect(stderr).toMatch(/^fake: invalid configuration/);
    expect(stderr).toContain("FAKE_START");
    expect(stderr).toContain("FAKE_PORT: must be an integer in [1, 9]");
  });

  it("logs the ready line, and on SIGTERM closes what started and exits 0", async () => {
    const { code, stdout } = await run({ FAKE_PORT: "7" }, '"fake ready"');
    expect(code).toBe(SERVICE_EXIT.stopped);
    const ready = stdout.split("\n").find((line) => line.includes('"fake ready"')) ?? "{}";
    expect(JSON.parse(ready)).toMatchObject({ service: "fake", port: 7 });
    expect(stdout).toContain("closed\n");
  });

  it("logs a failed start as fatal and exits 1", async () => {
    const { code, stdout, stderr } = await run({ FAKE_START: "fail" });
    expect(code).toBe(SERVICE_EXIT.failed);
    expect(stdout).toMatch(/"level":60.*"msg":"failed to start"/);
    expect(stderr).toContain("cannot start");
  });

  it("gives up a start still waiting when signalled, and exits 0", async () => {
    const { code, stdout } = await run({ FAKE_START: "wait" }, "waiting\n");
    expect(code).toBe(SERVICE_EXIT.stopped);
    expect(stdout).not.toContain("fake ready");
  });
});

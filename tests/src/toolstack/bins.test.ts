// The bins as processes: what they print and the exit status the shell sees.
import { execFile } from "node:child_process";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestHost, type TestHost } from "./host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
  await host.join("Domain-0", DOM0_TOKEN);
});
afterAll(() => host.stop());

/** Runs src/bin/<bin>.ts from source, as `node dist/bin/<bin>.js` runs once built. */
function run(bin: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const script = `${REPO_ROOT}packages/toolstack/src/bin/${bin}.ts`;
  const argv = ["--conditions=@xenfs/source", "--import", "tsx", script, ...args];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      argv,
      { env: { ...process.env, ...host.env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ status: error ? Number(error.code ?? -1) : 0, stdout, stderr });
      },
    );
  });
}

describe("bins", () => {
  it("xl list exits 0 with the table; xl pause of an unknown domain exits 1 saying so", async () => {
    const list = await run("xl", ["list"]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^Name {40}ID {3}Mem VCPUs\tState\tTime\(s\) {2}Host\nDomain-0 {37}0 /);
    expect(await run("xl", ["pause", "ghost"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "ghost is an invalid domain identifier (rc=-6)\n",
    });
  });

  it("xenstore-write then xenstore-read through the socket; a missing path exits 1", async () => {
    expect(await run("xenstore-write", ["/bin/test", "v\\x41"])).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
    });
    expect(await run("xenstore", ["read", "/bin/test"])).toEqual({ status: 0, stdout: "vA\n", stderr: "" });
    expect(await run("xenstore-read", ["/bin/none"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "xenstore-read: couldn't read path /bin/none\n",
    });
  });
});

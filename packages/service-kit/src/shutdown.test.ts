import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("../test/fixtures/shutdown-child.ts", import.meta.url));

/** Starts a real process that registers onShutdown, signals it, and reports how it ended. */
function run(mode: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--conditions=@xenfs/source", "--import", "tsx", child, mode], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready\n") && !proc.killed) {
        proc.kill("SIGTERM");
        proc.kill("SIGINT"); // a second signal must not run the cleanup again
      }
    });
    proc.on("error", reject);
    proc.on("exit", (code) => resolve({ code, output }));
  });
}

describe("onShutdown", () => {
  it("runs the cleanup once and exits 0", async () => {
    const { code, output } = await run("ok");
    expect(code).toBe(0);
    expect(output.match(/cleanup/g)).toHaveLength(1);
  });

  it("exits 1 when the cleanup throws", async () => {
    expect((await run("throw")).code).toBe(1);
  });

  it("exits 1 when the cleanup exceeds the deadline", async () => {
    expect((await run("hang")).code).toBe(1);
  });
});

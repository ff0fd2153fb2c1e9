// Ending the echo device's processes (@xenfs/echo's spawnEcho starts them).
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";

export async function kill(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

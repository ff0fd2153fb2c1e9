// Which processes on this machine (Linux /proc) carry a given environment entry: how a test finds
// children a launcher may have left behind, whatever their process group.
import { readdir, readFile } from "node:fs/promises";

export async function pidsWithEnv(entry: string): Promise<number[]> {
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  const found: number[] = [];
  for (const pid of pids) {
    // Gone meanwhile, or someone else's: either way not ours.
    const environ = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
    if (environ.split("\0").includes(entry)) found.push(pid);
  }
  return found;
}

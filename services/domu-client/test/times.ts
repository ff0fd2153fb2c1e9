// File times to the nanosecond for the stat tests: Node's utimes goes through a double (whole
// microseconds at best), so coreutils' touch (utimensat) sets them.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** Sets atime and mtime, each given as "seconds.nanoseconds" since the epoch. */
export async function setTimesNs(path: string, times: { atime: string; mtime: string }): Promise<void> {
  const run = promisify(execFile);
  await run("touch", ["-a", "-d", `@${times.atime}`, path]);
  await run("touch", ["-m", "-d", `@${times.mtime}`, path]);
}

/** Times no float keeps: nine significant nanosecond digits, far past 2^53 ns, and in the future so relatime leaves atime alone. */
export const NS_TIMES = { atime: "3000000001.987654321", mtime: "3000000000.123456789" } as const;

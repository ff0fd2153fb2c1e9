// A crash fault (crash_after, crash_at; docs/faults.md): the process dies at once, as `kill -9`
// would, in the middle of whatever it was doing. One line goes to stderr first, written
// synchronously, because an asynchronous logger would never get to flush it.
import { writeSync } from "node:fs";

export function crashProcess(reason: string): never {
  try {
    writeSync(
      2,
      `${JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, msg: `crash fault: ${reason}` })}\n`,
    );
  } catch {
    // stderr closed: die anyway
  }
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL was sent"); // for the type checker; the process is gone
}

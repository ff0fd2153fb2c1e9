// One service as one child process: stdout and stderr go to its log file, it can be stopped
// with SIGTERM (SIGKILL after a deadline), and it never outlives the launcher.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { ServiceSpec } from "./plan.js";
import type { ServiceEntry } from "./service-entry.js";

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly spec: ServiceSpec;
  readonly pid: number;
  readonly logPath: string;
  /** Settles when the process has ended, whatever the reason. */
  readonly exited: Promise<ExitStatus>;
  /** True once `stop` was called: an exit after that is expected. */
  readonly stopping: boolean;
  /** SIGTERM, then SIGKILL if it is still there after `deadlineMs`. */
  stop(deadlineMs: number): Promise<ExitStatus>;
}

// Children still running; killed outright if the launcher itself exits without stopping them.
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** `restart`: which restart this is (0 for the first start); a restart appends to the log. */
export function spawnService(
  spec: ServiceSpec,
  entry: ServiceEntry,
  logDir: string,
  restart = 0,
): ServiceProcess {
  const logPath = join(logDir, `${spec.name}.log`);
  if (restart > 0) appendFileSync(logPath, `launcher: restart ${restart} of ${spec.name}\n`);
  const log = openSync(logPath, restart > 0 ? "a" : "w");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...entry.args], {
      cwd: entry.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", log, log],
      // Its own process group: Ctrl-C reaches only the launcher, which then stops the
      // children in order (guests before dom0 before the hypervisor).
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  live.add(child);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    // Spawning itself failed (say, the service folder vanished): there will be no "exit".
    child.on("error", (error) => {
      if (child.pid !== undefined) return;
      live.delete(child);
      appendFileSync(logPath, `launcher: could not start ${spec.name}: ${error.message}\n`);
      resolve({ code: null, signal: null });
    });
  });
  let stopping = false;
  return {
    spec,
    pid: child.pid ?? -1,
    logPath,
    exited,
    get stopping() {
      return stopping;
    },
    async stop(deadlineMs) {
      stopping = true;
      if (live.has(child)) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

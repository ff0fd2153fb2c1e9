#!/usr/bin/env node
// `pnpm start`: a whole XenFS host on this machine until Ctrl-C (or --duration), with its
// addresses and a live status. A crashed service is started again (unless --no-restart). Exit 0
// after a clean stop, 1 when a service fails to start or crashes past the restart limit, 2 on a
// bad command line.
import { appendFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CommanderError } from "commander";
import { describeHost } from "./addresses.js";
import { DEFAULT_RUN_DIR, type Host, runHost } from "./app.js";
import { OptionError, StartAbortedError } from "./errors.js";
import { describeFailure } from "./failure-report.js";
import { type LaunchOptions, parseOptions } from "./options.js";
import type { Role } from "./plan.js";
import { startStatus } from "./status.js";
import type { StatusEndpoints } from "./status-fetch.js";

function readOptions(): LaunchOptions | number {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof OptionError) {
      console.error(`xenfs-launcher: ${error.message}\nRun with --help to see the options.`);
      return 2;
    }
    if (error instanceof CommanderError) return error.exitCode; // --help was printed
    throw error;
  }
}

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP (a closed terminal: the children are in
 * their own process group and would not hear it) and aborts `startup`. A second signal exits
 * at once; the children are killed as the launcher exits.
 */
function stopSignal(startup: AbortController): Promise<NodeJS.Signals> {
  let received = false;
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        console.error(`\n${signal} again: killing every service now`);
        process.exit(130);
      }
      received = true;
      startup.abort();
      resolve(signal);
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  });
}

/** What the status view polls: only the services that are actually running. */
function statusEndpoints(host: Host): StatusEndpoints {
  const running = (role: Role) => host.services.filter((s) => s.spec.role === role).map((s) => s.spec);
  return {
    hypervisorPort: host.plan.hypervisor.port,
    dom0Port: running("dom0")[0]?.port,
    guests: running("guest"),
  };
}

type Outcome =
  | { kind: "signal"; signal: NodeJS.Signals }
  | { kind: "duration" }
  | { kind: "failure"; error: Error };

/**
 * Crashes and restarts go to run/logs/launcher.log, and to stderr unless a redrawn table is on
 * the terminal (its supervision line shows them there; a stray line would break the redraw).
 */
function eventLog(options: LaunchOptions, runDir: string): (message: string) => void {
  const path = join(runDir, "logs", "launcher.log");
  const toTerminal = !(options.status === "table" && process.stdout.isTTY);
  return (message) => {
    appendFileSync(path, `${new Date().toISOString()} ${message}\n`);
    if (toTerminal) console.error(`launcher: ${message}`);
  };
}

async function run(options: LaunchOptions): Promise<number> {
  // With --json, stdout carries only the status objects; everything for people goes to stderr.
  const say = options.status === "json" ? console.error : console.log;
  const startup = new AbortController();
  const signal = stopSignal(startup);
  const startedAt = performance.now();
  const runDir = options.runDir === undefined ? DEFAULT_RUN_DIR : resolve(options.runDir);
  let host: Host;
  try {
    host = await runHost({
      ...options,
      runDir,
      onProgress: say,
      onEvent: eventLog(options, runDir),
      abort: startup.signal,
    });
  } catch (error) {
    if (error instanceof StartAbortedError) {
      say("interrupted during start-up; stopped");
      return 0;
    }
    for (const line of describeFailure(error)) console.error(line);
    return 1;
  }
  say(["", ...describeHost(host), ""].join("\n"));
  const status =
    options.status === "quiet"
      ? undefined
      : startStatus({
          style: options.status,
          out: process.stdout,
          startedAt,
          endpoints: statusEndpoints(host),
          supervision: () => host.services.map((service) => service.status()),
        });
  const outcome = await Promise.race<Outcome>([
    signal.then((s) => ({ kind: "signal", signal: s })),
    host.failure.then((error) => ({ kind: "failure", error })),
    ...(options.durationSeconds === undefined
      ? []
      : [sleep(options.durationSeconds * 1000).then((): Outcome => ({ kind: "duration" }))]),
  ]);
  await status?.stop();
  if (outcome.kind === "failure") {
    for (const line of describeFailure(outcome.error)) console.error(line);
  }
  say(outcome.kind === "signal" ? `\n${outcome.signal}: stopping the host` : "stopping the host");
  await host.stop();
  say("stopped");
  return outcome.kind === "failure" ? 1 : 0;
}

const options = readOptions();
const code = typeof options === "number" ? options : await run(options);
// Exit explicitly: idle HTTP keep-alive sockets of the status poller would otherwise hold the
// process open for seconds. Waiting for the write callback lets piped stdout drain first.
process.stdout.write("", () => process.exit(code));

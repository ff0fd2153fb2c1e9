// Every failure the launcher reports carries a stable `code`, so tests and scripts match on it
// rather than on wording.

export class LauncherError extends Error {
  override readonly name: string = "LauncherError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A command-line option is missing, malformed or out of range. */
export class OptionError extends LauncherError {
  override readonly name = "OptionError";
  constructor(message: string) {
    super("EOPTION", message);
  }
}

/** A port the host needs is already taken on this machine. */
export class PortInUseError extends LauncherError {
  override readonly name = "PortInUseError";
  constructor(readonly port: number) {
    super("EPORTINUSE", `port ${port} is already in use (another launcher running? try --base-port)`);
  }
}

/** A service the host cannot run without is not in this tree. */
export class ServiceMissingError extends LauncherError {
  override readonly name = "ServiceMissingError";
  constructor(readonly service: string) {
    super("ENOSERVICE", `${service} has neither dist/main.js nor src/main.ts`);
  }
}

/** A child process ended while it was supposed to be running. */
export class ChildExitedError extends LauncherError {
  override readonly name = "ChildExitedError";
  constructor(
    readonly service: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly logPath: string,
    readonly logTail: readonly string[],
  ) {
    super("ECHILDEXIT", `${service} exited unexpectedly (${signal ?? `code ${exitCode}`})`);
  }
}

/** A service crashed more often than the restart policy tolerates: the host stops. */
export class RestartLimitError extends LauncherError {
  override readonly name = "RestartLimitError";
  constructor(
    readonly service: string,
    readonly crashes: number,
    readonly windowMs: number,
    readonly last: string,
    readonly logPath: string,
    readonly logTail: readonly string[],
  ) {
    super(
      "ERESTARTLIMIT",
      `${service} crashed ${crashes} times within ${windowMs / 1000}s (last: ${last}); giving up and stopping the host`,
    );
  }
}

/** A child process kept running but never answered GET /readyz with 200. */
export class NotReadyError extends LauncherError {
  override readonly name = "NotReadyError";
  constructor(
    readonly service: string,
    readonly timeoutMs: number,
    readonly logPath: string,
    readonly logTail: readonly string[],
  ) {
    super("ENOTREADY", `${service} was not ready within ${timeoutMs / 1000}s`);
  }
}

/** Start-up was interrupted (Ctrl-C) before every service was ready; what had started is stopped. */
export class StartAbortedError extends LauncherError {
  override readonly name = "StartAbortedError";
  constructor() {
    super("EABORTED", "start-up interrupted");
  }
}

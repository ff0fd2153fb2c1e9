// How a failure reads on the terminal: the message, and for a service that died or never got
// ready, where its log is and its last lines.
import { displayPath } from "./display-path.js";
import { ChildExitedError, LauncherError, NotReadyError, RestartLimitError } from "./errors.js";

export function describeFailure(error: unknown, cwd?: string): string[] {
  if (
    error instanceof ChildExitedError ||
    error instanceof NotReadyError ||
    error instanceof RestartLimitError
  ) {
    return [
      `error: ${error.message}; last lines of ${displayPath(error.logPath, cwd)}:`,
      ...(error.logTail.length > 0 ? error.logTail.map((line) => `  ${line}`) : ["  (the log is empty)"]),
    ];
  }
  if (error instanceof LauncherError) return [`error: ${error.message}`];
  return [`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`];
}

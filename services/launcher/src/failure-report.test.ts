import { describe, expect, it } from "vitest";
import { ChildExitedError, NotReadyError, PortInUseError } from "./errors.js";
import { describeFailure } from "./failure-report.js";

describe("describeFailure", () => {
  it("shows a dead service's last log lines and where the whole log is", () => {
    const error = new ChildExitedError("dom0", 1, null, "/work/run/logs/dom0.log", [
      '{"msg":"bad XENFS_EXPORT"}',
    ]);
    expect(describeFailure(error, "/work")).toEqual([
      "error: dom0 exited unexpectedly (code 1); last lines of run/logs/dom0.log:",
      '  {"msg":"bad XENFS_EXPORT"}',
    ]);
  });

  it("says when the log is empty, and names the signal that ended a service", () => {
    const error = new NotReadyError("guest-1", 60_000, "/tmp/guest-1.log", []);
    expect(describeFailure(error, "/work")).toEqual([
      "error: guest-1 was not ready within 60s; last lines of /tmp/guest-1.log:",
      "  (the log is empty)",
    ]);
    expect(new ChildExitedError("guest-2", null, "SIGKILL", "/x", []).message).toBe(
      "guest-2 exited unexpectedly (SIGKILL)",
    );
  });

  it("prints other launcher errors as their message and anything else with its stack", () => {
    expect(describeFailure(new PortInUseError(7000))).toEqual([
      "error: port 7000 is already in use (another launcher running? try --base-port)",
    ]);
    expect(describeFailure(new TypeError("boom"))[0]).toMatch(/^error: TypeError: boom\n\s+at /);
  });
});

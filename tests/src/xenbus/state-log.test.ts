// What a device's story looks like in the services' logs: each xenbus state change once, at info,
// in the log of the domain that made it, and nothing per request.
import { ECHO_DEVICE, EchoBackend, EchoFrontend } from "@xenfs/echo";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain, XenLogger } from "@xenfs/libxen";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { XenbusBackend, XenbusFrontend } from "@xenfs/xenbus";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LEASE_MS } from "./host.js";

interface Line {
  level: string;
  msg: string | undefined;
  state?: string;
  reason?: string;
}

/** A logger that keeps the xenbus lines it is given. */
function capture(): XenLogger & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      if (msg?.startsWith("xenbus")) lines.push({ level, msg, ...obj });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("xenbus state changes in the log", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let backLog: ReturnType<typeof capture>;
  let frontLog: ReturnType<typeof capture>;

  beforeEach(async () => {
    backLog = capture();
    frontLog = capture();
    hv = await startTestHypervisor({ sessionLeaseMs: LEASE_MS });
    dom0 = await joinDom0(hv, { logger: backLog });
    guest = await joinGuest(hv, "guest-log", { logger: frontLog });
  });
  afterEach(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("logs every change of either end once, at info, and nothing per request", async () => {
    const backend = new XenbusBackend(dom0, ECHO_DEVICE.type, new EchoBackend(dom0));
    await backend.start();
    const echo = new EchoFrontend(guest);
    const frontend = new XenbusFrontend(guest, ECHO_DEVICE, echo);
    await frontend.start();
    await echo.echo(new Uint8Array([1]));
    const connected = [backLog.lines.length, frontLog.lines.length];
    await Promise.all(Array.from({ length: 50 }, (_, i) => echo.echo(Uint8Array.of(i))));
    expect([backLog.lines.length, frontLog.lines.length]).toEqual(connected);

    await frontend.close();
    await backend.close();
    const states = (lines: Line[]) => lines.map((line) => line.state ?? line.msg);
    expect(states(frontLog.lines)).toEqual(["Initialised", "Connected", "Closing", "Closed"]);
    expect(states(backLog.lines)).toEqual([
      "InitWait",
      "Connected",
      "Closed",
      "xenbus backend device removed",
    ]);
    expect(new Set([...frontLog.lines, ...backLog.lines].map((line) => line.level))).toEqual(
      new Set(["info"]),
    );
  });
});

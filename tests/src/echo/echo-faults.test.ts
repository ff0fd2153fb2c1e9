// The echo device between a real dom0 process and a real guest process under faults
// (docs/faults.md): the hypervisor loses and invents event-channel notifications, which a driver
// survives (a spurious event finds nothing new on the ring; a lost one is covered by the next, or
// by the ring poll); and crash rules set at run time kill the guest's or dom0's own process.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { type FromDom0, type FromGuest, nextMessage, spawnEcho, type ToGuest } from "@xenfs/echo";
import type { Hypervisor } from "@xenfs/hypervisor";
import { DOMID } from "@xenfs/proto";
import { CLUSTER_TOKEN, DOM0_TOKEN, setFaults, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LEASE_MS } from "../xenbus/host.js";
import { kill } from "./echo-processes.js";

type Result = Extract<FromGuest, { type: "result" }>;

describe("echo device under event-channel faults", () => {
  let hv: Hypervisor;
  const children: ChildProcess[] = [];

  const start = async <T extends FromDom0 | FromGuest>(which: "dom0" | "guest", name?: string) => {
    const child = spawnEcho(which, {
      url: hv.url,
      dom0Token: DOM0_TOKEN,
      clusterToken: CLUSTER_TOKEN,
      ...(name === undefined ? {} : { name }),
    });
    children.push(child);
    const ready = await nextMessage<T>(child, (m) => m.type === "ready");
    return { child, domid: (ready as { domid?: number }).domid ?? 0 };
  };
  const run = (guest: ChildProcess, spec: ToGuest["spec"]) => {
    const result = nextMessage<Result>(guest, (m) => m.type === "result");
    guest.send({ type: "run", spec } satisfies ToGuest);
    return result;
  };

  beforeAll(async () => {
    hv = await startTestHypervisor({ sessionLeaseMs: LEASE_MS });
  });
  afterEach(async () => {
    await setFaults(hv, DOMID.XEN, "");
    await Promise.all(children.splice(0).map((child) => kill(child)));
  });
  afterAll(async () => {
    await hv?.close();
  });

  it.each([
    ["spurious", "evtchn_spurious=0.5"],
    ["lost", "evtchn_lose=0.3"],
    ["lost and spurious", "evtchn_lose=0.3,evtchn_spurious=0.3"],
  ])("answers every request once, correctly, with %s notifications on both ends", async (_, spec) => {
    await start<FromDom0>("dom0");
    const { child: guest } = await start<FromGuest>("guest", `echo-${spec.length}`);
    await setFaults(hv, DOMID.XEN, spec);
    const { result } = await run(guest, { requests: 800, inflight: 64 });
    expect(result).toMatchObject({ answered: 800, wrong: 0, failed: 0, settledTwice: 0 });
  });

  it("crash_at set on a guest at run time kills its process at that hypercall; a new guest echoes", async () => {
    await start<FromDom0>("dom0");
    const { child: doomed, domid } = await start<FromGuest>("guest", "echo-doomed");
    const exited = once(doomed, "exit");
    await setFaults(hv, domid, "crash_at=evtchn_send");
    doomed.send({ type: "run", spec: { requests: 100, inflight: 8 } } satisfies ToGuest);
    expect((await exited)[1]).toBe("SIGKILL");
    const { child: next } = await start<FromGuest>("guest", "echo-next");
    const { result } = await run(next, { requests: 200, inflight: 16 });
    expect(result).toMatchObject({ answered: 200, wrong: 0, failed: 0 });
  });

  it("crash_after set on dom0 kills dom0's process mid-stream; its successor serves every request once", async () => {
    const { child: firstDom0 } = await start<FromDom0>("dom0");
    const { child: guest } = await start<FromGuest>("guest", "echo-orphan");
    const exited = once(firstDom0, "exit");
    await setFaults(hv, 0, "crash_after=40");
    const done = run(guest, { requests: 2_000, inflight: 64 });
    expect((await exited)[1]).toBe("SIGKILL");
    await start<FromDom0>("dom0");
    const { result, duplicates } = await done;
    expect(result).toMatchObject({ answered: 2_000, wrong: 0, failed: 0, settledTwice: 0 });
    expect(duplicates).toBe(0);
  });
});

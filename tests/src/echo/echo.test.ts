// The echo device between a real dom0 process and a real guest process, through a real
// hypervisor: the handshake, a stream of requests, and dom0 killed and restarted mid-stream.
import type { ChildProcess } from "node:child_process";
import {
  type FromDom0,
  type FromGuest,
  nextMessage,
  spawnEcho,
  type ToDom0,
  type ToGuest,
} from "@xenfs/echo";
import type { Hypervisor } from "@xenfs/hypervisor";
import { CLUSTER_TOKEN, DOM0_TOKEN, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LEASE_MS } from "../xenbus/host.js";
import { kill } from "./echo-processes.js";

type Result = Extract<FromGuest, { type: "result" }>;

describe("echo device across processes", () => {
  let hv: Hypervisor;
  const children: ChildProcess[] = [];

  const start = async <T extends FromDom0 | FromGuest>(
    which: "dom0" | "guest",
    name?: string,
    env?: Record<string, string>,
  ) => {
    const child = spawnEcho(which, {
      url: hv.url,
      dom0Token: DOM0_TOKEN,
      clusterToken: CLUSTER_TOKEN,
      ...(name === undefined ? {} : { name }),
      ...(env === undefined ? {} : { env }),
    });
    children.push(child);
    await nextMessage<T>(child, (m) => m.type === "ready");
    return child;
  };
  const run = (guest: ChildProcess, spec: ToGuest["spec"]) => {
    const result = nextMessage<Result>(guest, (m) => m.type === "result");
    guest.send({ type: "run", spec } satisfies ToGuest);
    return result;
  };
  const served = async (dom0: ChildProcess) => {
    const stats = nextMessage<Extract<FromDom0, { type: "stats" }>>(dom0, (m) => m.type === "stats");
    dom0.send({ type: "stats" } satisfies ToDom0);
    return (await stats).served;
  };

  beforeAll(async () => {
    hv = await startTestHypervisor({ sessionLeaseMs: LEASE_MS });
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => kill(child)));
  });
  afterAll(async () => {
    await hv?.close();
  });

  it("connects a guest process to a dom0 process and echoes every payload back", async () => {
    const dom0 = await start<FromDom0>("dom0");
    const guest = await start<FromGuest>("guest", "echo-a");
    const { result } = await run(guest, { requests: 3_000, inflight: 200 });
    expect(result).toMatchObject({ answered: 3_000, wrong: 0, failed: 0, settledTwice: 0 });
    // The warm-up echo, then the stream: each request served once.
    expect(await served(dom0)).toBe(3_001);
  });

  it("echoes over a 16-page ring (ring-page-order 4), with more in flight than its 1,024 slots", async () => {
    const dom0 = await start<FromDom0>("dom0");
    const guest = await start<FromGuest>("guest", "echo-order4", { ECHO_MAX_RING_PAGE_ORDER: "4" });
    const { result } = await run(guest, { requests: 6_000, inflight: 1_500 });
    expect(result).toMatchObject({ answered: 6_000, wrong: 0, failed: 0, settledTwice: 0 });
    expect(await served(dom0)).toBe(6_001);
  });

  it("survives dom0 killed and restarted mid-stream: every request answered once, correctly", async () => {
    const firstDom0 = await start<FromDom0>("dom0");
    const guest = await start<FromGuest>("guest", "echo-b");
    const requests = 20_000;
    const done = run(guest, { requests, inflight: 256, progressEvery: 1_000 });
    await nextMessage<FromGuest>(guest, (m) => m.type === "progress" && m.answered >= 3_000);

    await kill(firstDom0, "SIGKILL");
    // Its domain lives on until the lease runs out; the new dom0 retries joining until then.
    const secondDom0 = await start<FromDom0>("dom0");

    const { result, reissued, duplicates } = await done;
    expect(result).toMatchObject({ answered: requests, wrong: 0, failed: 0, settledTwice: 0 });
    expect(reissued).toBeGreaterThan(0); // requests on the dead backend's ring went out again
    expect(duplicates).toBe(0);
    expect(await served(secondDom0)).toBeGreaterThan(0);
  });
});

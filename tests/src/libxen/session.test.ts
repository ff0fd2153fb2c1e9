// Against the real hypervisor: joining, and calls that complete exactly once across dropped
// sockets and dropped, duplicated or delayed frames.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XenError, XenSession } from "@xenfs/libxen";
import { CLUSTER_TOKEN, joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TcpProxy } from "./tcp-proxy.js";

/**
 * `count` mem_add(1) calls on one word, `perFrame` to a tick (so to a frame: several frames are
 * in flight when things break); the old values prove each ran exactly once.
 */
async function countUp(
  domain: XenDomain,
  gpfn: number,
  count: number,
  perFrame: number,
  midway?: () => void,
): Promise<bigint[]> {
  const calls: Promise<bigint>[] = [];
  for (let i = 0; i < count; i++) {
    calls.push(domain.memory.add(gpfn, 0, 8, 1n));
    if (i % perFrame === perFrame - 1) await new Promise((resolve) => setImmediate(resolve));
    if (i === count / 2) midway?.();
  }
  return Promise.all(calls);
}

const sorted = (values: bigint[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => BigInt(from + i));

describe("hypervisor session", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv);
  });
  afterAll(async () => {
    await dom0?.close();
    await hv?.close();
  });

  it("joins as dom0 with domid 0 and as guests with the lowest free domids", async () => {
    expect(dom0.domid).toBe(0);
    const a = await joinGuest(hv, "guest-a");
    const b = await joinGuest(hv, "guest-b");
    expect([a.domid, b.domid]).toEqual([1, 2]);
    const names = (await dom0.domctl.listDomains()).map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(["Domain-0", "guest-a", "guest-b"]));
    await Promise.all([a.close(), b.close()]);
  });

  it("close() ends the domain at once (SCHEDOP_shutdown), not when its lease runs out", async () => {
    const guest = await joinGuest(hv, "guest-leaving");
    await guest.memory.populatePhysmap(2);
    const domid = guest.domid;
    await guest.close();
    const domains = (await (await fetch(`${hv.httpUrl}/api/domains`)).json()) as { domid: number }[];
    expect(domains.map((d) => d.domid)).not.toContain(domid); // the default lease is 10 s
  });

  it("refuses a bad token with a XenError and leaves no domain behind", async () => {
    const before = (await dom0.domctl.listDomains()).length;
    await expect(XenSession.join({ url: hv.url, token: "wrong", name: "intruder" })).rejects.toMatchObject({
      name: "XenError",
      code: "EACCES",
      op: "join",
    });
    expect((await dom0.domctl.listDomains()).length).toBe(before);
  });

  it("resumes after the socket is cut with calls in flight: every call completes exactly once", async () => {
    const proxy = await TcpProxy.start(hv.port);
    const guest = await joinGuest(hv, "guest-cut", { url: `ws://127.0.0.1:${proxy.port}/hypercall` });
    const resumed = new Promise((resolve) => guest.session.once("resumed", resolve));
    const errors: Error[] = [];
    guest.session.on("error", (error) => errors.push(error));
    const [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
    const olds = await countUp(guest, gpfn, 400, 16, () => proxy.cut());
    await resumed;
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(sorted(olds)).toEqual(range(0, 400));
    expect(await guest.memory.read(gpfn, 0, 8)).toEqual(Uint8Array.of(144, 1, 0, 0, 0, 0, 0, 0));
    // Nothing was re-sent that the hypervisor had already run (it would answer "stale seq").
    expect(errors).toEqual([]);
    await guest.close();
    await proxy.close();
  });

  it("heals dropped, duplicated and delayed hypervisor frames by resuming", async () => {
    const guest = await joinGuest(hv, "guest-faults", { callTimeoutMs: 300 });
    const [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
    let resumes = 0;
    guest.session.on("resumed", () => resumes++);
    const errors: Error[] = [];
    guest.session.on("error", (error) => errors.push(error));
    await dom0.domctl.fault("drop=0.2,dup=0.2,delay=0..3ms", guest.domid);
    try {
      // 150 reply frames: with a fifth of them dropped, some surely are.
      const olds = await countUp(guest, gpfn, 300, 2);
      expect(sorted(olds)).toEqual(range(0, 300));
    } finally {
      await dom0.domctl.fault("", guest.domid);
    }
    // The replay can complete every call before the resume's own reply (itself subject to the
    // faults) arrives; a lost resume reply is retried after callTimeoutMs, so wait for it.
    await vi.waitFor(() => expect(resumes).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    expect(errors).toEqual([]);
    await guest.close();
  });

  it("reports the domain lost when it cannot resume within the lease", async () => {
    const shortLease = await startTestHypervisor({ sessionLeaseMs: 300 });
    const proxy = await TcpProxy.start(shortLease.port);
    const guest = await XenSession.join({
      url: `ws://127.0.0.1:${proxy.port}/hypercall`,
      token: CLUSTER_TOKEN,
      name: "guest-lost",
    });
    const lost = new Promise<XenError>((resolve) => guest.once("lost", resolve));
    await proxy.close(); // nothing listens there any more: every reconnect fails
    const call = guest.call({ populatePhysmap: { nrExtents: 1 } });
    const error = await lost;
    expect(error).toBeInstanceOf(XenError);
    expect(error.code).toBe("ESRCH");
    await expect(call).rejects.toBe(error);
    await expect(guest.call({ evtchnSend: { port: 1 } })).rejects.toMatchObject({ code: "ESRCH" });
    await shortLease.close();
  });
});

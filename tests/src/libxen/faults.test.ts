// libxen against the real hypervisor under the faults of docs/faults.md: frames from the domain
// dropped, duplicated, delayed and reordered; crash rules reaching the domain's own process; and
// partitions, which heal into a resume within the lease and into a new incarnation beyond it
// (docs/design.md#failure-model).
import { setTimeout as sleep } from "node:timers/promises";
import type { Hypervisor } from "@xenfs/hypervisor";
import { type Attached, DomainIncarnations, type XenDomain, XenError } from "@xenfs/libxen";
import {
  CLUSTER_TOKEN,
  DOM0_TOKEN,
  joinDom0,
  joinGuest,
  startTestHypervisor,
  TEST_MEMORY_TRANSPORT,
} from "@xenfs/testkit";
import { afterEach, describe, expect, it, vi } from "vitest";

let hv: Hypervisor | undefined;
let dom0: XenDomain | undefined;
afterEach(async () => {
  await dom0?.close();
  await hv?.close();
  hv = undefined;
  dom0 = undefined;
});

async function start(sessionLeaseMs?: number): Promise<{ hv: Hypervisor; dom0: XenDomain }> {
  hv = await startTestHypervisor(sessionLeaseMs === undefined ? {} : { sessionLeaseMs });
  dom0 = await joinDom0(hv);
  return { hv, dom0 };
}

/** `count` mem_add(1) calls on one word, a few to a tick; the old values prove each ran once. */
async function countUp(domain: XenDomain, gpfn: number, count: number): Promise<bigint[]> {
  const calls: Promise<bigint>[] = [];
  for (let i = 0; i < count; i++) {
    calls.push(domain.memory.add(gpfn, 0, 8, 1n));
    if (i % 3 === 2) await new Promise((resolve) => setImmediate(resolve));
  }
  return (await Promise.all(calls)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const range = (count: number) => Array.from({ length: count }, (_, i) => BigInt(i));

async function faultsInForce(url: string): Promise<string> {
  const response = await fetch(`${url}/api/faults`, { headers: { authorization: `Bearer ${DOM0_TOKEN}` } });
  return ((await response.json()) as { spec: string }).spec;
}

describe("message faults in both directions", () => {
  it("every call completes exactly once with frames from the domain dropped, duplicated, delayed and reordered", async () => {
    const { hv, dom0 } = await start();
    const guest = await joinGuest(hv, "guest-from-faults", { callTimeoutMs: 300 });
    const [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
    const errors: Error[] = [];
    guest.session.on("error", (error) => errors.push(error));
    await dom0.domctl.fault(
      "drop.from=0.1,dup.from=0.2,delay.from=0..3ms,reorder.from=4,reorder=4",
      guest.domid,
    );
    try {
      expect(await countUp(guest, gpfn, 300)).toEqual(range(300));
    } finally {
      await dom0.domctl.fault("", guest.domid);
    }
    // A duplicated call's copy is refused as already accepted; that answer has no caller left.
    for (const error of errors)
      expect(error).toMatchObject({ code: "EINVAL", message: expect.stringMatching(/already accepted/) });
    await guest.close();
  });
  it("a call dropped just before its rule is cleared runs once, before the calls made after the clear", async () => {
    const { hv, dom0 } = await start();
    const guest = await joinGuest(hv, "guest-cleared", { callTimeoutMs: 300 });
    const [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
    const errors: Error[] = [];
    guest.session.on("error", (error) => errors.push(error));
    await dom0.domctl.fault("drop.from=1", guest.domid);
    const dropped = guest.memory.add(gpfn, 0, 8, 1n);
    await sleep(50);
    await dom0.domctl.fault("", guest.domid);
    // Sent at once, ahead of the dropped call's re-send (which waits for the call timeout).
    const after = [guest.memory.add(gpfn, 0, 8, 1n), guest.memory.add(gpfn, 0, 8, 1n)];
    expect(await Promise.all([dropped, ...after])).toEqual([0n, 1n, 2n]);
    expect(errors).toEqual([]);
    await guest.close();
  });
});

describe("crash rules on a domain's process", () => {
  it("reach the process when dom0 sets them at run time", async () => {
    const { hv, dom0 } = await start();
    const crashes: string[] = [];
    const guest = await joinGuest(hv, "guest-doomed", { crash: (reason) => void crashes.push(reason) });
    await dom0.domctl.fault("crash_after=3", guest.domid);
    await vi.waitFor(() => expect(guest.session.processFaults.spec).toBe("crash_after=3"));
    await guest.memory.populatePhysmap(1);
    await guest.memory.populatePhysmap(1);
    expect(crashes).toEqual([]);
    await expect(guest.memory.populatePhysmap(1)).rejects.toMatchObject({ code: "EIO" });
    expect(crashes).toEqual([`dom${guest.domid} guest-doomed: crash_after reached its count`]);
    await guest.close();
  });

  it("from the domain's own XEN_FAULTS go to its process, the rest to its session", async () => {
    const { hv } = await start();
    const crashes: string[] = [];
    const loop = await DomainIncarnations.start({
      session: {
        url: hv.url,
        token: CLUSTER_TOKEN,
        name: "guest-self-doomed",
        memoryTransport: TEST_MEMORY_TRANSPORT,
        crash: (reason) => void crashes.push(reason),
      },
      attach: async (): Promise<Attached> => ({ close: async () => {}, abandon: () => {} }),
      faults: "crash_at=evtchn_status,delay=1ms",
      role: "guest",
    });
    const { domain } = loop.latest;
    expect(await faultsInForce(hv.httpUrl)).toBe(`delay=1ms@${domain.domid}`);
    await expect(domain.events.status(1)).rejects.toMatchObject({ code: "EIO" });
    expect(crashes).toEqual([`dom${domain.domid} guest-self-doomed: crash_at=evtchn_status`]);
    await loop.close();
  });
});

describe("partition", () => {
  it("shorter than the lease: calls made meanwhile complete once after the heal, with no error", async () => {
    const { hv, dom0 } = await start(3_000);
    const guest = await joinGuest(hv, "guest-islanded", { callTimeoutMs: 300 });
    const [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
    const errors: Error[] = [];
    guest.session.on("error", (error) => errors.push(error));
    let resumed = 0;
    guest.session.on("resumed", () => resumed++);
    const domid = guest.domid;
    const cutAt = Date.now();
    await dom0.domctl.fault("partition=700ms", guest.domid);
    const olds = await countUp(guest, gpfn, 50);
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(650);
    expect(olds).toEqual(range(50));
    expect(resumed).toBeGreaterThan(0);
    expect(guest.domid).toBe(domid);
    expect(errors).toEqual([]);
    await guest.close();
  });

  it("longer than the lease: the domain is destroyed and rejoins as a new incarnation after the heal", async () => {
    const { hv, dom0 } = await start(300);
    const incarnations: { domid: number; at: number }[] = [];
    const loop = await DomainIncarnations.start({
      session: {
        url: hv.url,
        token: CLUSTER_TOKEN,
        name: "guest-marooned",
        memoryTransport: TEST_MEMORY_TRANSPORT,
      },
      attach: async (): Promise<Attached> => ({ close: async () => {}, abandon: () => {} }),
      faults: "",
      role: "guest",
      onIncarnation: ({ domain }) => void incarnations.push({ domid: domain.domid, at: Date.now() }),
    });
    const first = loop.latest;
    const cutAt = Date.now();
    await dom0.domctl.fault("partition=1200ms", first.domain.domid);
    expect(await first.lost).toBeInstanceOf(XenError);
    await vi.waitFor(() => expect(incarnations).toHaveLength(2), { timeout: 10_000, interval: 50 });
    const second = incarnations[1] as { domid: number; at: number };
    expect(second.at - cutAt).toBeGreaterThanOrEqual(1_150); // not before the heal
    expect(loop.latest).not.toBe(first);
    await loop.latest.domain.memory.populatePhysmap(1);
    await loop.close();
    await sleep(0);
  });
});

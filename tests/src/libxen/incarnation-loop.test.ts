// One domain across incarnations against a real hypervisor: a wrong token fails at once, a
// hypervisor that is away is waited out (or the wait aborted), and a destroyed domain's devices
// are abandoned and attached again on a new domain under the same name.
import type { Hypervisor } from "@xenfs/hypervisor";
import {
  type Attached,
  backoffDelay,
  DomainIncarnations,
  INCARNATION_BACKOFF,
  type XenDomain,
  XenError,
} from "@xenfs/libxen";
import { CLUSTER_TOKEN, DOM0_TOKEN, startTestHypervisor, TEST_MEMORY_TRANSPORT } from "@xenfs/testkit";
import { afterEach, describe, expect, it } from "vitest";

interface Device extends Attached {
  readonly domid: number;
  readonly events: string[];
}

function device(domain: XenDomain): Device {
  const events: string[] = [];
  return {
    domid: domain.domid,
    events,
    close: async () => void events.push("close"),
    abandon: () => void events.push("abandon"),
  };
}

const options = (url: string, name = "phoenix") => ({
  session: { url, token: CLUSTER_TOKEN, name, memoryTransport: TEST_MEMORY_TRANSPORT },
  attach: async (domain: XenDomain) => device(domain),
  faults: "",
  role: "guest",
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("backoffDelay", () => {
  it("grows by the factor from min and stops at max", () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(INCARNATION_BACKOFF, attempt));
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });
});

describe("DomainIncarnations", () => {
  let hv: Hypervisor | undefined;
  afterEach(async () => {
    await hv?.close();
    hv = undefined;
  });

  it("fails the first start at once on a wrong token", async () => {
    hv = await startTestHypervisor();
    const started = DomainIncarnations.start({
      ...options(hv.url),
      session: { ...options(hv.url).session, token: "not-the-token" },
    });
    await expect(started).rejects.toMatchObject({ name: "XenError", code: "EACCES" });
  });

  it("waits for a hypervisor that is not up yet, and gives up when aborted", async () => {
    const away = await startTestHypervisor();
    const { url, port } = away;
    await away.close();

    const stop = new AbortController();
    const aborted = DomainIncarnations.start({ ...options(url), signal: stop.signal });
    setTimeout(() => stop.abort(), 300);
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });

    const waiting = DomainIncarnations.start(options(url));
    await new Promise((resolve) => setTimeout(resolve, 300));
    hv = await startTestHypervisor({ port });
    const loop = await waiting;
    expect(loop.current?.domain.domid).toBeGreaterThan(0);
    await loop.close();
    expect(loop.latest.attached.events).toEqual(["close"]);
  });

  it("abandons a destroyed domain's devices and attaches them again on a new domain", async () => {
    hv = await startTestHypervisor({ sessionLeaseMs: 300 });
    const seen: number[] = [];
    const loop = await DomainIncarnations.start({
      ...options(hv.url),
      faults: "delay=1ms",
      onIncarnation: ({ domain }) => void seen.push(domain.domid),
    });
    const first = loop.latest;
    const response = await fetch(`${hv.httpUrl}/api/domains/${first.domain.domid}/destroy`, {
      method: "POST",
      headers: { authorization: `Bearer ${DOM0_TOKEN}` },
    });
    expect(response.ok).toBe(true);
    expect(await first.lost).toBeInstanceOf(XenError);
    await until("a new incarnation", () => seen.length === 2);

    const second = loop.latest;
    expect(first.attached.events).toEqual(["abandon"]);
    expect(second.domain.domid).not.toBe(first.domain.domid);
    expect(loop.current).toBe(second);
    const faults = (await (
      await fetch(`${hv.httpUrl}/api/faults`, { headers: { authorization: `Bearer ${DOM0_TOKEN}` } })
    ).json()) as { spec: string };
    expect(faults.spec).toBe(`delay=1ms@${second.domain.domid}`);

    await loop.close();
    expect(second.attached.events).toEqual(["close"]);
    expect(first.attached.events).toEqual(["abandon"]);
  });
});

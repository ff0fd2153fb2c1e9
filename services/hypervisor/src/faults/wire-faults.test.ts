// Each message, event-channel and partition fault seen on the wire: a real hypervisor, and raw
// clients speaking the protocol over real WebSockets (docs/faults.md).
import { setTimeout as sleep } from "node:timers/promises";
import { DOMID, decodeEnvelope, XEN_DOMCTL } from "@xenfs/proto";
import { afterEach, describe, expect, it } from "vitest";
import { connectPorts, ok } from "../../test/guest-ops.js";
import { faultsInForce, startTestHost, type TestHost } from "../../test/host.js";
import { RawClient } from "../../test/raw-client.js";

let host: TestHost | undefined;
afterEach(async () => {
  await host?.hv.close();
  host = undefined;
});

async function setFaults(dom0: RawClient, domid: number, spec: string): Promise<void> {
  await ok(dom0.call({ fault: { spec, domid } }));
}

/** Every frame the client receives, decoded, in arrival order. */
function record(client: RawClient): ReturnType<typeof decodeEnvelope>[] {
  const frames: ReturnType<typeof decodeEnvelope>[] = [];
  client.socket.on("message", (data: Buffer) => frames.push(decodeEnvelope(new Uint8Array(data))));
  return frames;
}

const query = { gnttabQuerySize: { dom: DOMID.SELF } };

async function totPages(dom0: RawClient, domid: number): Promise<number> {
  const info = await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.getdomaininfo, domain: domid } }));
  return info.domctl?.domains?.[0]?.totPages ?? -1;
}

describe("message faults on frames to a domain", () => {
  it("reorder=W delivers frames out of seq order, within the window", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("shuffled");
    await setFaults(dom0, guest.domid, "reorder=4");
    const frames = record(guest);
    let inversions = 0;
    for (let round = 0; round < 20 && inversions === 0; round++) {
      frames.length = 0;
      await Promise.all(Array.from({ length: 8 }, () => ok(guest.call(query))));
      const seqs = frames.map((f) => f.seq);
      inversions = seqs.filter((seq, i) => i > 0 && seq < (seqs[i - 1] as number)).length;
      // Never further than the window: a frame is at most 3 places from its rank.
      const sorted = [...seqs].sort((a, b) => a - b);
      for (const [i, seq] of seqs.entries()) expect(Math.abs(sorted.indexOf(seq) - i)).toBeLessThan(4);
    }
    expect(inversions).toBeGreaterThan(0);
    expect(await faultsInForce(host)).toBe(`reorder=4@${guest.domid}`);
  });
});

describe("message faults on frames from a domain", () => {
  it("drop.from: the call never reaches the hypervisor; the calls behind it wait for it, rule or no rule", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("muted");
    await setFaults(dom0, guest.domid, "drop.from=1");
    const frames = record(guest);
    // Never answered under its first send: its re-send below takes the answer.
    guest.call({ populatePhysmap: { nrExtents: 1 } }).catch(() => {});
    const droppedSeq = guest.lastCallSeqSent;
    await sleep(150);
    expect(frames).toEqual([]);
    // Cleared while the dropped call is still to come: the next call must not be taken past it
    // (the dropped one, sent again, would then be refused as already accepted and never run).
    await setFaults(dom0, guest.domid, "");
    const behind = guest.call({ populatePhysmap: { nrExtents: 1 } });
    await sleep(150);
    expect(frames).toEqual([]);
    expect(await totPages(dom0, guest.domid)).toBe(0);
    // What a resume does: the unanswered call sent again with its seq. Both run, in seq order.
    const again = guest.call({ populatePhysmap: { nrExtents: 1 } }, droppedSeq);
    const replies = await Promise.all([again, behind]);
    expect(replies.map((r) => r.code)).toEqual(["", ""]);
    expect(frames.map((f) => f.replyTo)).toEqual([droppedSeq, droppedSeq + 1]);
    expect(await totPages(dom0, guest.domid)).toBe(2);
  });

  it("dup.from: the copy of a call is refused as already accepted, so it runs once", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("echoed");
    await setFaults(dom0, guest.domid, "dup.from=1");
    const frames = record(guest);
    await ok(guest.call({ populatePhysmap: { nrExtents: 1 } }));
    await guest.sync();
    const answers = frames.filter((f) => f.replyTo === frames[0]?.replyTo);
    expect(answers.map((f) => f.reply?.code ?? "")).toEqual(["", "EINVAL"]);
    expect(await totPages(dom0, guest.domid)).toBe(1);
  });

  it("delay.from holds each call before it reaches the hypervisor", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("slow");
    await setFaults(dom0, guest.domid, "delay.from=40ms");
    const started = Date.now();
    await ok(guest.call(query));
    expect(Date.now() - started).toBeGreaterThanOrEqual(38);
  });

  it("reorder.from: calls arrive shuffled and still run once each, in seq order", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("scrambled");
    await setFaults(dom0, guest.domid, "reorder.from=4");
    const frames = record(guest);
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all(
        Array.from({ length: 8 }, () => guest.call({ populatePhysmap: { nrExtents: 1 } })),
      );
      expect(replies.map((r) => r.code)).toEqual(Array(8).fill(""));
    }
    // Replies leave in the order the calls ran: seq order.
    const order = frames.map((f) => f.replyTo);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(await totPages(dom0, guest.domid)).toBe(40);
  });
});

describe("event-channel faults", () => {
  it("evtchn_lose@domid:port: notifications to that port are lost, others arrive", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("deaf");
    const [lossy, guestLossy] = await connectPorts(dom0, guest);
    const [clean, guestClean] = await connectPorts(dom0, guest);
    await guest.sync();
    guest.takeEvents(); // binding raises the bound port once
    // Set through the hypervisor-wide rules, naming the domain and port.
    await setFaults(dom0, DOMID.XEN, `evtchn_lose=1@${guest.domid}:${guestLossy}`);
    await ok(dom0.call({ evtchnSend: { port: lossy } }));
    await ok(dom0.call({ evtchnSend: { port: clean } }));
    await guest.sync();
    expect(guest.takeEvents()).toEqual([guestClean]);
    await setFaults(dom0, guest.domid, "");
    await ok(dom0.call({ evtchnSend: { port: lossy } }));
    await guest.sync();
    expect(guest.takeEvents()).toEqual([guestLossy]);
  });

  it("evtchn_spurious: a bound port fires with nobody sending", async () => {
    host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("jumpy");
    const [, guestPort] = await connectPorts(dom0, guest);
    guest.takeEvents();
    await setFaults(dom0, guest.domid, "evtchn_spurious=1");
    await guest.sync();
    expect(guest.takeEvents()).toContain(guestPort);
    await setFaults(dom0, guest.domid, "");
    await guest.sync();
    expect(guest.takeEvents()).toEqual([]);
  });
});

describe("crash rules aimed at a domain", () => {
  it("go to its process in a processFaults upcall, at run time and at join", async () => {
    host = await startTestHost({ faults: "crash_at=evtchn_send@1" });
    const dom0 = await host.dom0();
    const guest = await host.guest("fragile");
    expect(guest.domid).toBe(1);
    expect(await guest.upcall((u) => u.processFaults)).toMatchObject({ spec: "crash_at=evtchn_send" });
    await setFaults(dom0, guest.domid, "crash_after=5,drop=0");
    expect(await guest.upcall((u) => u.processFaults)).toMatchObject({ spec: "crash_after=5" });
    expect(await faultsInForce(host)).toBe("crash_after=5@1,drop=0@1");
    await setFaults(dom0, guest.domid, "");
    expect(await guest.upcall((u) => u.processFaults)).toMatchObject({ spec: "" });
  });
});

describe("partition", () => {
  const resume = async (h: TestHost, client: RawClient) => {
    const back = await RawClient.connect(h.hv.url);
    const reply = back.call(
      { resume: { domid: client.domid, sessionKey: client.sessionKey, lastSeq: client.lastSeq } },
      1000,
    );
    return { back, reply };
  };

  it("shorter than the lease: cut, kept out, then resumed with every frame replayed", async () => {
    host = await startTestHost({ sessionLeaseMs: 2_000 });
    const dom0 = await host.dom0();
    const guest = await host.guest("islanded");
    const [dom0Port, guestPort] = await connectPorts(dom0, guest);
    guest.takeEvents();
    await setFaults(dom0, guest.domid, "partition=400ms");
    expect((await guest.closed).code).toBe(1006); // cut: no close frame
    expect(await faultsInForce(host)).toMatch(new RegExp(`^partition=\\d+ms@${guest.domid}$`));
    // An event raised meanwhile waits in the replay buffer.
    await ok(dom0.call({ evtchnSend: { port: dom0Port } }));
    const during = await resume(host, guest);
    await expect(during.reply).rejects.toThrow(/closed 1006/); // unanswered
    await sleep(450);
    const after = await resume(host, guest);
    const resumed = await after.reply;
    expect(resumed.status).toBe(0);
    after.back.numberAfter(resumed.resume?.lastCallSeq ?? 0);
    await after.back.sync();
    expect(after.back.takeEvents()).toEqual([guestPort]);
    expect(await faultsInForce(host)).toBe("");
  });

  it("longer than the lease: the domain is destroyed, and its process stays out until the heal", async () => {
    host = await startTestHost({ sessionLeaseMs: 200 });
    const dom0 = await host.dom0();
    const guest = await host.guest("marooned");
    await setFaults(dom0, guest.domid, "partition=600ms");
    await guest.closed;
    expect(
      await dom0.upcall((u) => (u.domainState?.state === "dead" ? u.domainState : undefined)),
    ).toMatchObject({
      domid: guest.domid,
    });
    // Rejoining by name is cut off too while the partition lasts.
    await expect(host.guest("marooned")).rejects.toThrow(/closed/);
    await sleep(650);
    const refused = await resume(host, guest);
    expect((await refused.reply).code).toBe("EACCES");
    const next = await host.guest("marooned");
    await ok(next.call(query));
  });
});

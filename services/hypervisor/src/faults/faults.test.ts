import { DOMID, formatFaults } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { ok } from "../../test/guest-ops.js";
import { faultsInForce, startTestHost } from "../../test/host.js";
import { Faults } from "./faults.js";

describe("fault injection at run time", () => {
  it("plans per frame: a domain's own rule wins over the global one", () => {
    const faults = new Faults("drop=1,dup=1@2,delay=7ms@2", () => 0.5);
    expect(faults.plan(1)).toEqual({ drop: true, copies: 1, delayMs: 0, reorder: 0 });
    expect(faults.plan(2)).toEqual({ drop: true, copies: 2, delayMs: 7, reorder: 0 });
    faults.replace(2, "drop=0");
    expect(faults.plan(2)).toEqual({ drop: false, copies: 1, delayMs: 0, reorder: 0 });
  });

  it("plans each direction on its own, and reorder windows", () => {
    const faults = new Faults("drop.from=1@2,reorder=8,dup.from=1", () => 0.5);
    expect(faults.plan(2, "from")).toEqual({ drop: true, copies: 2, delayMs: 0, reorder: 0 });
    expect(faults.plan(2)).toEqual({ drop: false, copies: 1, delayMs: 0, reorder: 8 });
  });

  it("picks the most specific event-channel rule: port, then domain, then everyone", () => {
    const faults = new Faults("evtchn_lose=1,evtchn_lose=0@2,evtchn_lose=1@2:7", () => 0.5);
    expect([faults.loseEvent(1, 7), faults.loseEvent(2, 6), faults.loseEvent(2, 7)]).toEqual([
      true,
      false,
      true,
    ]);
    expect(faults.spuriousPorts(2, () => [1, 2])).toEqual([]);
    faults.replace(2, "evtchn_spurious=1");
    expect(faults.spuriousPorts(2, () => [1, 2])).toEqual([1, 2]);
    expect(faults.spuriousPorts(3, () => [1, 2])).toEqual([]);
  });

  it("replaces the hypervisor-wide rules on DOMID_XEN, leaving each domain's", () => {
    const faults = new Faults("drop=0.5,crash_after=9,dup=1@3");
    faults.replace(DOMID.XEN, "crash_at=xs,delay=2ms");
    expect(formatFaults(faults.current())).toBe("dup=1@3,delay=2ms,crash_at=xs");
    expect([faults.countHypercall("evtchn_send"), faults.countHypercall("xs")]).toEqual([false, true]);
  });

  it("keeps a domain's crash rules for its process, without @", () => {
    const faults = new Faults("crash_after=5@3");
    faults.replace(4, "crash_at=evtchn_send,drop=0.1");
    expect([faults.processSpec(3), faults.processSpec(4), faults.processSpec(5)]).toEqual([
      "crash_after=5",
      "crash_at=evtchn_send",
      "",
    ]);
    expect(faults.countHypercall("evtchn_send")).toBe(false); // not the hypervisor's
    faults.forget(3);
    expect(faults.processSpec(3)).toBe("");
  });

  it("partitions until the heal, by domid while the domain lives and by name after", () => {
    let now = 1_000;
    const faults = new Faults("partition=50ms@4", Math.random, () => now);
    expect(faults.partitioned(4)).toBe(false); // starts when domid 4 joins
    expect(faults.joined(4)).toBe(true);
    faults.namePartition(4, "island");
    expect(faults.partitioned(4)).toBe(true);
    expect(formatFaults(faults.current())).toBe("partition=50ms@4");
    faults.forget(4); // destroyed: domid 4 may go to another domain
    expect(faults.partitioned(4)).toBe(false);
    expect(faults.partitioned(undefined, "island")).toBe(true);
    now += 50;
    expect(faults.partitioned(undefined, "island")).toBe(false);
    expect(faults.current()).toEqual([]);
    expect(faults.replace(2, "partition=1s")).toEqual([2]);
    expect(() => new Faults("partition=1s")).toThrow(/needs its domain/);
  });

  it("counts hypercalls down to a crash", () => {
    const faults = new Faults("crash_after=2");
    expect([faults.countHypercall("xs"), faults.countHypercall("xs")]).toEqual([false, true]);
  });
});

describe("the fault hypercall", () => {
  it("lets dom0 duplicate a guest's outbound frames, refuses a bad spec, and clears with an empty one", async () => {
    const host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("victim");
    const seen: number[] = [];
    guest.socket.on("message", () => seen.push(guest.lastSeq));

    expect((await dom0.call({ fault: { spec: "dup=2", domid: guest.domid } })).code).toBe("EINVAL");
    await ok(dom0.call({ fault: { spec: "dup=1", domid: guest.domid } }));
    await guest.sync();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]); // the same frame, twice
    await ok(dom0.call({ fault: { spec: "", domid: guest.domid } }));
    seen.length = 0;
    await guest.sync();
    expect(seen).toHaveLength(1);
    await host.hv.close();
  });

  it("lets a guest set its own session's faults, and nothing beyond them", async () => {
    const host = await startTestHost();
    const dom0 = await host.dom0();
    const guest = await host.guest("self-harm");
    const other = await host.guest("bystander");
    const seen: number[] = [];
    guest.socket.on("message", () => seen.push(guest.lastSeq));

    const refused = async (domid: number, spec: string) =>
      (await guest.call({ fault: { spec, domid } })).code;
    expect(await refused(other.domid, "drop=1")).toBe("EPERM");
    // Its own crash rules are its process's; the hypervisor's are dom0's to set.
    expect(await refused(DOMID.XEN, "crash_after=1")).toBe("EPERM");
    expect(await refused(guest.domid, `drop=1@${other.domid}`)).toBe("EPERM");
    expect(await refused(guest.domid, `drop=1@${guest.domid}`)).toBe("EPERM");
    expect(await refused(guest.domid, "dup=2")).toBe("EINVAL");
    expect(await faultsInForce(host)).toBe("");

    await ok(guest.call({ fault: { spec: "dup=1", domid: guest.domid } }));
    seen.length = 0;
    await guest.sync();
    expect(seen).toHaveLength(2);
    expect(await faultsInForce(host)).toBe(`dup=1@${guest.domid}`);
    // dom0 still sets anyone's.
    await ok(dom0.call({ fault: { spec: "", domid: guest.domid } }));
    seen.length = 0;
    await guest.sync();
    expect(seen).toHaveLength(1);
    await host.hv.close();
  });
});

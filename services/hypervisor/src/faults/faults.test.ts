import { DOMID } from "@xenfs/proto";
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

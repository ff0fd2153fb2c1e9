import { DOMID, EVTCHNSTAT, VIRQ, XEN_DOMCTL } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, ok } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

let host: TestHost;
let dom0: RawClient;
let a: RawClient;
let b: RawClient;

beforeAll(async () => {
  host = await startTestHost();
  dom0 = await host.dom0();
  a = await host.guest("a");
  b = await host.guest("b");
});
afterAll(() => host.hv.close());

/** Every upcall queued before now has arrived; returns and forgets the delivered ports. */
async function delivered(client: RawClient): Promise<number[]> {
  await client.sync();
  return client.takeEvents();
}

describe("event channels", () => {
  it("binds interdomain: both ends report interdomain, the binder's port starts pending (Xen's conservative notify)", async () => {
    const [pa, pb] = await connectPorts(a, b);
    expect(await delivered(b)).toEqual([pb]);
    const status = await ok(a.call({ evtchnStatus: { dom: DOMID.SELF, port: pa } }));
    expect(status.evtchnStatus).toMatchObject({
      status: EVTCHNSTAT.interdomain,
      remoteDom: b.domid,
      remotePort: pb,
    });
  });

  it("coalesces: sends to an already pending port raise one upcall", async () => {
    const [pa, pb] = await connectPorts(a, b);
    await delivered(b);
    await a.multicall([
      { evtchnSend: { port: pa } },
      { evtchnSend: { port: pa } },
      { evtchnSend: { port: pa } },
    ]);
    expect(await delivered(b)).toEqual([pb]);
  });

  it("a masked port stays pending and unmask delivers it", async () => {
    const [pa, pb] = await connectPorts(a, b);
    await delivered(b);
    await ok(b.call({ evtchnMask: { port: pb } }));
    await ok(a.call({ evtchnSend: { port: pa } }));
    expect(await delivered(b)).toEqual([]);
    await ok(b.call({ evtchnUnmask: { port: pb } }));
    expect(await delivered(b)).toEqual([pb]);
    expect(await delivered(b)).toEqual([]); // delivery cleared the pending bit
  });

  it("close returns the peer to unbound for the closer, and a send on an unbound port is dropped", async () => {
    const [pa, pb] = await connectPorts(a, b);
    await delivered(b);
    await ok(b.call({ evtchnClose: { port: pb } }));
    const peer = await ok(a.call({ evtchnStatus: { dom: DOMID.SELF, port: pa } }));
    expect(peer.evtchnStatus).toMatchObject({ status: EVTCHNSTAT.unbound, remoteDom: b.domid });
    expect((await a.call({ evtchnSend: { port: pa } })).status).toBe(0);
    expect(await delivered(b)).toEqual([]);
    const closed = await ok(b.call({ evtchnStatus: { dom: DOMID.SELF, port: pb } }));
    expect(closed.evtchnStatus?.status).toBe(EVTCHNSTAT.closed);
    // The unbound end can be bound again by the same remote.
    const again = await ok(b.call({ evtchnBindInterdomain: { remoteDom: a.domid, remotePort: pa } }));
    expect(again.evtchnPort?.port).toBeGreaterThan(0);
  });

  it("refuses out-of-range and foreign requests with Xen's errno, changing nothing", async () => {
    const [pa] = await connectPorts(a, b);
    const cases: [Parameters<RawClient["call"]>[0], string][] = [
      [{ evtchnSend: { port: 0 } }, "EINVAL"],
      [{ evtchnSend: { port: 4096 } }, "EINVAL"],
      [{ evtchnSend: { port: 4000 } }, "EINVAL"],
      [{ evtchnClose: { port: 123456 } }, "EINVAL"],
      [{ evtchnUnmask: { port: 4095 } }, "EINVAL"],
      [{ evtchnBindInterdomain: { remoteDom: a.domid, remotePort: pa } }, "EINVAL"], // already bound
      [{ evtchnBindInterdomain: { remoteDom: 999, remotePort: 1 } }, "ESRCH"],
      [{ evtchnAllocUnbound: { dom: a.domid, remoteDom: DOMID.SELF } }, "EPERM"], // a guest acting for another
      [{ evtchnAllocUnbound: { dom: DOMID.SELF, remoteDom: 0x7ff5 } }, "EINVAL"],
      [{ evtchnStatus: { dom: a.domid, port: pa } }, "EPERM"],
      [{ evtchnBindVirq: { virq: 99, vcpu: 0 } }, "EINVAL"],
      [{ evtchnBindVirq: { virq: VIRQ.DEBUG, vcpu: 1 } }, "ENOENT"],
    ];
    const before = await host.api("/api/domains");
    for (const [call, code] of cases) expect((await b.call(call)).code, JSON.stringify(call)).toBe(code);
    expect(await host.api("/api/domains")).toEqual(before);
  });

  it("dom0 may allocate a port in a guest for another guest", async () => {
    const alloc = await ok(dom0.call({ evtchnAllocUnbound: { dom: a.domid, remoteDom: b.domid } }));
    const port = alloc.evtchnPort!.port!;
    const status = await ok(dom0.call({ evtchnStatus: { dom: a.domid, port } }));
    expect(status.evtchnStatus).toMatchObject({ status: EVTCHNSTAT.unbound, remoteDom: b.domid });
    await ok(b.call({ evtchnBindInterdomain: { remoteDom: a.domid, remotePort: port } }));
  });

  it("VIRQ_DOM_EXC fires to dom0 when a domain dies; binding a virq twice is EEXIST", async () => {
    const bound = await ok(dom0.call({ evtchnBindVirq: { virq: VIRQ.DOM_EXC, vcpu: 0 } }));
    const port = bound.evtchnPort!.port!;
    expect((await dom0.call({ evtchnBindVirq: { virq: VIRQ.DOM_EXC, vcpu: 0 } })).code).toBe("EEXIST");
    const victim = await host.guest("victim");
    await delivered(dom0);
    await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: victim.domid } }));
    expect(await delivered(dom0)).toEqual([port]);
    const status = await ok(dom0.call({ evtchnStatus: { dom: DOMID.SELF, port } }));
    expect(status.evtchnStatus).toMatchObject({ status: EVTCHNSTAT.virq, virq: VIRQ.DOM_EXC });
  });

  it("a dying domain's ports close and its peers go back to unbound", async () => {
    const doomed = await host.guest("doomed");
    const [pa] = await connectPorts(a, doomed);
    await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: doomed.domid } }));
    const peer = await ok(a.call({ evtchnStatus: { dom: DOMID.SELF, port: pa } }));
    expect(peer.evtchnStatus).toMatchObject({ status: EVTCHNSTAT.unbound, remoteDom: doomed.domid });
  });
});

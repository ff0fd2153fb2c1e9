// Against the real hypervisor: an interdomain channel between dom0 and a guest.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { VIRQ } from "@xenfs/proto";
import { joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(TRANSPORTS)("event channels (%s transport)", (transport) => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let guestPort: number;
  let dom0Port: number;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: transport });
    guest = await joinGuest(hv, "guest-events", { memoryTransport: transport });
    guestPort = await guest.events.allocUnbound(0);
    dom0Port = await dom0.events.bindInterdomain(guest.domid, guestPort);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("binds both ends and reports them with EVTCHNOP_status", async () => {
    expect(await guest.events.status(guestPort)).toMatchObject({
      status: "interdomain",
      remoteDom: 0,
      remotePort: dom0Port,
    });
  });

  it("runs the handler of the port a send arrives on", async () => {
    const delivered = new Promise<number>((resolve) => guest.events.on(guestPort, resolve));
    await dom0.events.send(dom0Port);
    expect(await delivered).toBe(guestPort);
    guest.events.off(guestPort);
  });

  it("keeps a masked port pending and delivers it on unmask", async () => {
    let count = 0;
    guest.events.on(guestPort, () => count++);
    await guest.events.mask(guestPort);
    await dom0.events.send(dom0Port);
    await dom0.events.send(dom0Port);
    // A reply to the guest comes after any upcall queued for it before: none was.
    await guest.events.status(guestPort);
    expect(count).toBe(0);
    await guest.events.unmask(guestPort);
    // Two sends while pending coalesce into one delivery.
    await guest.events.status(guestPort);
    expect(count).toBe(1);
    guest.events.off(guestPort);
  });

  it("holds a delivery for a port without a handler until one is attached", async () => {
    await dom0.events.send(dom0Port);
    await guest.events.status(guestPort);
    const late = await new Promise<number>((resolve) => guest.events.on(guestPort, resolve));
    expect(late).toBe(guestPort);
    guest.events.off(guestPort);
  });

  it("refuses ports outside 1…4095 locally, and a virq out of range", async () => {
    await expect(guest.events.send(0)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(guest.events.send(4096)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(guest.events.bindVirq(99)).rejects.toMatchObject({ code: "EINVAL" });
    expect(await dom0.events.bindVirq(VIRQ.DOM_EXC)).toBeGreaterThan(0);
  });

  it("returns the peer's end to unbound when one end closes", async () => {
    await dom0.events.close(dom0Port);
    expect(await guest.events.status(guestPort)).toMatchObject({ status: "unbound", remoteDom: 0 });
  });
});

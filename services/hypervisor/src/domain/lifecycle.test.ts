import { DOMID, EVTCHNSTAT, GNTMAP, GTF, VIRQ, XEN_DOMCTL } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, readEntry, setupTable } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { RawClient } from "../../test/raw-client.js";

interface MemoryView {
  frames: { total: number; used: number; shared: number; free: number };
}
interface DomainView {
  domid: number;
  name: string;
  state: string;
  frames: number;
}

let host: TestHost;
let dom0: RawClient;
let domExc: number;
let dom0Table: number[];

beforeAll(async () => {
  host = await startTestHost({ sessionLeaseMs: 150 });
  dom0 = await host.dom0();
  domExc = (await ok(dom0.call({ evtchnBindVirq: { virq: VIRQ.DOM_EXC, vcpu: 0 } }))).evtchnPort!.port!;
  dom0Table = await setupTable(dom0);
});
afterAll(() => host.hv.close());

/** Waits, one VIRQ_DOM_EXC on dom0 at a time, until `done` holds (bounded by the test timeout). */
async function untilDomainException(done: () => Promise<boolean>): Promise<void> {
  while (!(await done()))
    await dom0.upcall((u) => (u.eventPending?.ports?.includes(domExc) ? true : undefined));
}

const destroy = (domain: number) => ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain } }));

const domains = () => host.api<DomainView[]>("/api/domains");
const used = async () => (await host.api<MemoryView>("/api/memory")).frames.used;

describe("domctl", () => {
  it("is dom0-only: every command from a guest is −EPERM", async () => {
    const guest = await host.guest("nosy");
    for (const cmd of Object.values(XEN_DOMCTL)) {
      expect((await guest.call({ domctl: { cmd, domain: guest.domid } })).code).toBe("EPERM");
    }
    await destroy(guest.domid);
  });

  it("answers getdomaininfo, and refuses bad targets with Xen's errno", async () => {
    const guest = await host.guest("listed");
    const info = await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.getdomaininfo, domain: 0 } }));
    expect(info.domctl?.domains?.map((d) => d.name)).toEqual(expect.arrayContaining(["Domain-0", "listed"]));
    const cases: [number, number, string][] = [
      [XEN_DOMCTL.pausedomain, 0, "EINVAL"],
      [XEN_DOMCTL.destroydomain, 0, "EINVAL"],
      [XEN_DOMCTL.pausedomain, 4000, "ESRCH"],
      [XEN_DOMCTL.unpausedomain, guest.domid, "EINVAL"],
      [XEN_DOMCTL.getdomaininfo, 4000, "ESRCH"],
      [XEN_DOMCTL.createdomain, 0, "EOPNOTSUPP"],
      [77, 0, "ENOSYS"],
    ];
    for (const [cmd, domain, code] of cases)
      expect((await dom0.call({ domctl: { cmd, domain } })).code).toBe(code);
    await destroy(guest.domid);
  });
});

describe("death and release", () => {
  it("a guest whose socket drops past its lease releases every frame, grant and port", async () => {
    const baseline = await used();
    const guest = await host.guest("crashy");
    const table = await setupTable(guest);
    const pages = await populate(guest, 5);
    await grant(dom0, dom0Table, 7, GTF.permit_access, guest.domid, (await populate(dom0, 1))[0]!);
    const dom0Page = await used(); // dom0's own page stays dom0's
    await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 7, dom: 0 } }));
    const [dom0Port] = await connectPorts(dom0, guest);
    expect((await readEntry(dom0, dom0Table, 7)).flags).toBe(GTF.permit_access | GTF.reading | GTF.writing);
    expect(table.length + pages.length).toBe(6);

    await guest.kill();
    await untilDomainException(async () => !(await domains()).some((d) => d.name === "crashy"));
    expect(await used()).toBe(dom0Page - 6);
    expect(dom0Page - 1).toBe(baseline + 6);
    expect((await readEntry(dom0, dom0Table, 7)).flags).toBe(GTF.permit_access);
    const port = await ok(dom0.call({ evtchnStatus: { dom: DOMID.SELF, port: dom0Port } }));
    expect(port.evtchnStatus).toMatchObject({ status: EVTCHNSTAT.unbound });
    expect((await host.api<MemoryView>("/api/memory")).frames.shared).toBe(0);
  });

  it("stays a zombie while another domain maps its frames, and is released when the last mapping goes", async () => {
    const baseline = await used();
    const guest = await host.guest("granter");
    const table = await setupTable(guest);
    const [page] = await populate(guest, 2);
    await ok(guest.call({ memWrite: { gpfn: page!, offset: 0, data: new Uint8Array([0xab]) } }));
    await grant(guest, table, 3, GTF.permit_access, 0, page!);
    const mapped = await ok(
      dom0.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 3, dom: guest.domid } }),
    );
    const { handle, hostGpfn } = mapped.gnttabMapGrantRef!;

    await destroy(guest.domid);
    expect((await domains()).find((d) => d.domid === guest.domid)).toMatchObject({
      state: "zombie",
      frames: 1,
    });
    expect(await used()).toBe(baseline + 1);
    // The mapper still sees the page, and a new guest cannot take the zombie's domid.
    expect(
      (await ok(dom0.call({ memRead: { gpfn: hostGpfn!, offset: 0, length: 1 } }))).memRead?.data,
    ).toEqual(new Uint8Array([0xab]));
    const next = await host.guest("successor");
    expect(next.domid).not.toBe(guest.domid);
    await destroy(next.domid);

    await ok(dom0.call({ gnttabUnmapGrantRef: { handle: handle! } }));
    await untilDomainException(async () => !(await domains()).some((d) => d.domid === guest.domid));
    expect(await used()).toBe(baseline);
  });

  it("a frame given back while mapped stays allocated, owned by nobody, until unmapped", async () => {
    const guest = await host.guest("shrinker");
    const table = await setupTable(guest);
    const [page] = await populate(guest, 1);
    await grant(guest, table, 1, GTF.permit_access | GTF.readonly, 0, page!);
    const mapped = await ok(
      dom0.call({
        gnttabMapGrantRef: { flags: GNTMAP.host_map | GNTMAP.readonly, ref: 1, dom: guest.domid },
      }),
    );
    const before = await used();
    await ok(guest.call({ decreaseReservation: { gpfns: [page!] } }));
    expect(await used()).toBe(before);
    expect((await domains()).find((d) => d.domid === guest.domid)?.frames).toBe(1); // the grant table only
    await ok(dom0.call({ gnttabUnmapGrantRef: { handle: mapped.gnttabMapGrantRef!.handle! } }));
    expect(await used()).toBe(before - 1);
    await destroy(guest.domid);
  });
});

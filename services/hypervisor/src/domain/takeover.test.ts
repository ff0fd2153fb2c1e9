// A restarted dom0 takes over at once when the old one's session is down, long before its lease
// would run out; a dom0 whose session is live is still refused.
import { EVTCHNSTAT, GNTMAP, GTF } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPorts, grant, ok, populate, setupTable } from "../../test/guest-ops.js";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import { RawClient } from "../../test/raw-client.js";

interface DomainView {
  domid: number;
  name: string;
  state: string;
  connected: boolean;
}

let host: TestHost;
// A lease far longer than the test: only the takeover can let the new dom0 in.
beforeAll(async () => {
  host = await startTestHost({ sessionLeaseMs: 600_000 });
});
afterAll(() => host.hv.close());

const domains = () => host.api<DomainView[]>("/api/domains");
const used = async () => (await host.api<{ frames: { used: number } }>("/api/memory")).frames.used;

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("a dom0 joining while another dom0 exists", () => {
  it("is refused with EEXIST while the old dom0's session is connected", async () => {
    const dom0 = await host.dom0();
    const second = await RawClient.connect(host.hv.url);
    const reply = await second.call({ join: { token: DOM0_TOKEN, name: "Domain-0" } });
    expect(reply.code).toBe("EEXIST");
    expect((await second.closed).code).toBe(1008);
    expect((await ok(dom0.call({ gnttabQuerySize: { dom: 0x7ff0 } }))).status).toBe(0);
    await dom0.close();
    await until(async () => !(await domains()).some((d) => d.domid === 0 && d.connected));
  });

  it("replaces a disconnected dom0 at once: the old one is torn down and guests lose its mappings", async () => {
    const old = await host.dom0();
    const guest = await host.guest("guest");
    const baseline = await used();
    const table = await setupTable(old);
    const [page] = await populate(old, 1);
    await grant(old, table, 5, GTF.permit_access, guest.domid, page!);
    const mapped = await ok(guest.call({ gnttabMapGrantRef: { flags: GNTMAP.host_map, ref: 5, dom: 0 } }));
    const [, guestPort] = await connectPorts(old, guest);
    const { sessionKey } = old;

    await old.kill();
    await until(async () => (await domains()).some((d) => d.domid === 0 && !d.connected));
    const fresh = await host.dom0();
    expect(fresh.domid).toBe(0);

    // The guest was told its mapping is gone, and its channel to the old dom0 is unbound.
    const revoked = await guest.upcall((u) => u.grantRevoke ?? undefined);
    expect(revoked).toMatchObject({ dom: 0, ref: 5, handle: mapped.gnttabMapGrantRef!.handle, forced: true });
    const port = await ok(guest.call({ evtchnStatus: { dom: 0x7ff0, port: guestPort } }));
    expect(port.evtchnStatus?.status).toBe(EVTCHNSTAT.unbound);
    // Every frame of the old dom0 is free again: the table and the page it granted.
    expect(await used()).toBe(baseline);
    expect((await domains()).filter((d) => d.domid === 0)).toEqual([
      expect.objectContaining({ name: "Domain-0", state: "running", connected: true }),
    ]);
    // The old session cannot come back over the new dom0.
    const stale = await RawClient.connect(host.hv.url);
    expect((await stale.call({ resume: { domid: 0, sessionKey, lastSeq: 0 } })).code).toBe("EACCES");
    await Promise.all([fresh.close(), guest.close()]);
  });
});

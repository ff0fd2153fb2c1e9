import { SCHEDOP, SHUTDOWN } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, populate } from "../test/guest-ops.js";
import { faultsInForce, startTestHost, type TestHost } from "../test/host.js";
import { RawClient } from "../test/raw-client.js";

interface Memory {
  frames: { used: number };
}
interface DomainRow {
  domid: number;
  state: string;
}

describe("sched_op", () => {
  let host: TestHost;
  let dom0: RawClient;

  beforeAll(async () => {
    // A long lease: only SCHEDOP_shutdown can end the domain within this test.
    host = await startTestHost({ sessionLeaseMs: 60_000 });
    dom0 = await host.dom0();
  });
  afterAll(() => host.hv.close());

  it("SCHEDOP_shutdown answers, then ends the domain at once and frees its frames", async () => {
    const before = (await host.api<Memory>("/api/memory")).frames.used;
    const guest = await host.guest("leaving");
    await populate(guest, 3);
    await ok(guest.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: SHUTDOWN.poweroff } }));
    expect((await guest.closed).code).toBe(1000);
    expect((await host.api<DomainRow[]>("/api/domains")).map((d) => d.domid)).not.toContain(guest.domid);
    expect((await host.api<Memory>("/api/memory")).frames.used).toBe(before);
  });

  it("SHUTDOWN_suspend answers, then pauses the domain (its calls held) instead of ending it", async () => {
    const guest = await host.guest("suspending");
    await ok(guest.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: SHUTDOWN.suspend } }));
    const held = guest.call({ schedOp: { cmd: SCHEDOP.yield } });
    const row = async () =>
      (await host.api<DomainRow[]>("/api/domains")).find((d) => d.domid === guest.domid);
    expect(await row()).toMatchObject({ state: "paused" });
    const answered = await Promise.race([
      held.then(() => "answered"),
      new Promise((r) => setTimeout(r, 100, "held")),
    ]);
    expect(answered).toBe("held");
    await guest.close();
  });

  it("attach takes up only a restored domain, with its name and key: anything else is EACCES", async () => {
    const guest = await host.guest("not-restored");
    const stranger = await RawClient.connect(host.hv.url);
    const reply = await stranger.call({ attach: { name: "not-restored", sessionKey: guest.sessionKey } });
    expect(reply).toMatchObject({ status: -13, code: "EACCES" });
    const inside = await guest.call({ attach: { name: "not-restored", sessionKey: guest.sessionKey } });
    expect(inside.code).toBe("EISCONN");
    await guest.close();
  });

  it("SCHEDOP_yield is a no-op; a bad reason and an unserved op are refused and change nothing", async () => {
    const guest = await host.guest("staying");
    await ok(guest.call({ schedOp: { cmd: SCHEDOP.yield } }));
    expect((await guest.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: 99 } })).code).toBe("EINVAL");
    expect((await guest.call({ schedOp: { cmd: SCHEDOP.poll } })).code).toBe("ENOSYS");
    expect((await host.api<DomainRow[]>("/api/domains")).map((d) => d.domid)).toContain(guest.domid);
    await guest.close();
  });

  it("a dead domain's fault rules go with it, so a later holder of its id starts clean", async () => {
    const guest = await host.guest("faulty");
    await ok(dom0.call({ fault: { spec: "dup=0.5", domid: guest.domid } }));
    await ok(guest.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: SHUTDOWN.crash } }));
    await guest.closed;
    expect(await faultsInForce(host)).toBe("");
  });
});

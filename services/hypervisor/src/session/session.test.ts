import { encodeEnvelope, XEN_DOMCTL } from "@xenfs/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, populate } from "../../test/guest-ops.js";
import { CLUSTER_TOKEN, DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";
import { RawClient } from "../../test/raw-client.js";

let host: TestHost;
let dom0: RawClient;
beforeAll(async () => {
  host = await startTestHost({
    sessionLeaseMs: 60_000,
    limits: { maxInflight: 2, ratePerSec: 1, burst: 40 },
  });
  dom0 = await host.dom0();
});
afterAll(() => host.hv.close());

async function refused(first: Parameters<RawClient["call"]>[0]) {
  const client = await RawClient.connect(host.hv.url);
  const reply = await client.call(first);
  return { reply, closed: await client.closed };
}

describe("joining", () => {
  it("gives dom0 domid 0 once, and guests the next domid (Xen's rover, no quick reuse) with unique names", async () => {
    expect(dom0.domid).toBe(0);
    expect(dom0.sessionKey).toHaveLength(32);
    const second = await refused({ join: { token: DOM0_TOKEN, name: "other-dom0" } });
    expect(second.reply.code).toBe("EEXIST");
    expect(second.closed.code).toBe(1008);

    const a = await host.guest("a");
    const b = await host.guest("b");
    expect([a.domid, b.domid]).toEqual([1, 2]);
    expect((await refused({ join: { token: CLUSTER_TOKEN, name: "a" } })).reply.code).toBe("EEXIST");
    await ok(dom0.call({ domctl: { cmd: XEN_DOMCTL.destroydomain, domain: 1 } }));
    expect((await a.closed).code).toBe(1000);
    const c = await host.guest("c");
    expect(c.domid).toBe(3); // not 1 again: a freed id comes back only after the rover wraps
    await Promise.all([b.close(), c.close()]);
  });

  it("refuses a bad token, a bad name, and anything but join/resume first, closing with 1008", async () => {
    const cases = [
      { call: { join: { token: "wrong", name: "x" } }, code: "EACCES" },
      { call: { join: { token: CLUSTER_TOKEN, name: "../etc" } }, code: "EINVAL" },
      { call: { join: { token: CLUSTER_TOKEN, name: "" } }, code: "EINVAL" },
      { call: { evtchnSend: { port: 1 } }, code: "EPERM" },
    ];
    for (const { call, code } of cases) {
      const { reply, closed } = await refused(call);
      expect(reply.code).toBe(code);
      expect(closed).toMatchObject({ code: 1008, reason: expect.stringContaining(code) });
    }
  });

  it("closes 1007 on a frame that does not decode and 1003 on a text frame", async () => {
    const garbage = await RawClient.connect(host.hv.url);
    garbage.sendRaw(new Uint8Array([0xff, 0xff, 0xff]));
    expect((await garbage.closed).code).toBe(1007);
    const text = await RawClient.connect(host.hv.url);
    text.sendRaw("hello");
    expect((await text.closed).code).toBe(1003);
  });
});

describe("sessions", () => {
  it("resume needs the key; it replays missed frames and reports last_call_seq, so no call runs twice", async () => {
    const guest = await host.guest("resumer");
    const before = await populate(guest, 1);
    const secondReply = await guest.call({ memRead: { gpfn: before[0]!, offset: 0, length: 4 } });
    expect(secondReply.status).toBe(0);
    const { domid, sessionKey } = guest;
    await guest.kill();

    const wrongKey = new Uint8Array(sessionKey);
    wrongKey[0]! ^= 1;
    expect((await refused({ resume: { domid, sessionKey: wrongKey, lastSeq: 0 } })).reply.code).toBe(
      "EACCES",
    );
    expect((await refused({ resume: { domid: 0, sessionKey, lastSeq: 0 } })).reply.code).toBe("EACCES");

    const back = await RawClient.connect(host.hv.url);
    const replayed: number[] = [];
    back.socket.on("message", () => replayed.push(back.lastSeq));
    // Present seq 1 (the join reply) as the last frame seen: the two replies after it come again,
    // then the resume reply; calls 1 (join), 2 and 3 were processed.
    const resumed = await back.call({ resume: { domid, sessionKey, lastSeq: 1 } }, 10);
    expect(resumed.resume?.lastCallSeq).toBe(3);
    expect(replayed).toEqual([2, 3, 4]);

    const frames = (await host.api<{ domid: number; frames: number }[]>("/api/domains")).find(
      (d) => d.domid === domid,
    );
    // A re-sent call at or below last_call_seq does not run again.
    const again = await back.call({ populatePhysmap: { nrExtents: 1 } }, 2);
    expect(again.code).toBe("EINVAL");
    const after = (await host.api<{ domid: number; frames: number }[]>("/api/domains")).find(
      (d) => d.domid === domid,
    );
    expect(after?.frames).toBe(frames?.frames);
    await back.close();
  });

  it("a paused domain's calls are held (not served) and answered in order on unpause; beyond the in-flight limit −EBUSY", async () => {
    const admin = dom0;
    const guest = await host.guest("pausable");
    await ok(admin.call({ domctl: { cmd: XEN_DOMCTL.pausedomain, domain: guest.domid } }));
    const held = [
      guest.call({ populatePhysmap: { nrExtents: 2 } }),
      guest.call({ populatePhysmap: { nrExtents: 3 } }),
    ];
    const busy = await guest.call({ populatePhysmap: { nrExtents: 1 } });
    expect(busy.code).toBe("EBUSY");
    const info = await ok(admin.call({ domctl: { cmd: XEN_DOMCTL.getdomaininfo, domain: guest.domid } }));
    expect(info.domctl?.domains?.[0]).toMatchObject({ domid: guest.domid, state: "paused", totPages: 0 });

    await ok(admin.call({ domctl: { cmd: XEN_DOMCTL.unpausedomain, domain: guest.domid } }));
    const [first, second] = await Promise.all(held);
    expect(first?.populatePhysmap?.gpfns).toEqual([1, 2]);
    expect(second?.populatePhysmap?.gpfns).toEqual([3, 4, 5]);
    await guest.close();
  });

  it("rate-limits with a token bucket: calls over the burst get −EAGAIN and do not run", async () => {
    const guest = await host.guest("flooder");
    const results = await guest.multicall(
      Array.from({ length: 60 }, () => ({ evtchnStatus: { dom: 0x7ff0, port: 1 } })),
    );
    expect(results.filter((r) => r.code === "EAGAIN").length).toBeGreaterThanOrEqual(15);
    expect(results[0]?.status).toBe(0);
    await guest.close();
  });

  it("closes the session on a body a domain may not send, and the domain stays resumable", async () => {
    const guest = await host.guest("confused");
    guest.sendRaw(encodeEnvelope({ seq: 99, reply: { status: 0 } }));
    expect(await guest.closed).toMatchObject({ code: 1008, reason: expect.stringContaining("EPROTO") });
    const domains = await host.api<{ name: string; connected: boolean }[]>("/api/domains");
    expect(domains.find((d) => d.name === "confused")).toMatchObject({ connected: false });
  });
});

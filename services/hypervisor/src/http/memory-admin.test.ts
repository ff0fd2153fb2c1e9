// xl mem-set / mem-max over HTTP: the target goes to the guest's memory/target in XenStore (KiB),
// the maximum becomes the reservation's ceiling and memory/static-max; refusals change nothing.
import { XS } from "@xenfs/proto";
import { XenStore } from "@xenfs/xenstored";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOM0_TOKEN, startTestHost, type TestHost } from "../../test/host.js";

describe("PUT /api/domains/<domid>/memory", () => {
  let host: TestHost;
  const store = new XenStore();
  const put = (domid: number, body: unknown, token = DOM0_TOKEN) =>
    fetch(`${host.hv.httpUrl}/api/domains/${domid}/memory`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  function read(path: string): string | undefined {
    const conn = store.connect(0, () => undefined);
    try {
      const payload = new TextEncoder().encode(`${path}\0`);
      const reply = conn.request(XS.READ, 0, payload);
      return reply.type === XS.READ ? new TextDecoder().decode(reply.payload) : undefined;
    } finally {
      conn.close();
    }
  }
  beforeAll(async () => {
    host = await startTestHost({ xenstore: store });
  });
  afterAll(() => host.hv.close());

  it("mem-max sets the ceiling and static-max; mem-set writes memory/target", async () => {
    await host.dom0();
    const guest = await host.guest("balloon", 256);
    const max = await put(guest.domid, { maxKb: 2048 });
    expect(await max.json()).toEqual({ domid: guest.domid, frames: 0, maxFrames: 512 });
    expect(read(`/local/domain/${guest.domid}/memory/static-max`)).toBe("2048");
    const set = await put(guest.domid, { targetKb: 1024 });
    expect(await set.json()).toMatchObject({ maxFrames: 512, targetKb: 1024 });
    expect(read(`/local/domain/${guest.domid}/memory/target`)).toBe("1024");
  });

  it("refuses a target above the maximum, no token, a bad body or no such domain", async () => {
    const guest = await host.guest("small", 16);
    expect((await put(guest.domid, { targetKb: 4096 })).status).toBe(400);
    expect(read(`/local/domain/${guest.domid}/memory/target`)).toBeUndefined();
    expect((await put(guest.domid, { targetKb: 8 }, "wrong")).status).toBe(403);
    expect((await put(guest.domid, { targetKb: 8, maxKb: 8 })).status).toBe(400);
    expect((await put(guest.domid, { targetKb: -1 })).status).toBe(400);
    expect((await put(999, { targetKb: 8 })).status).toBe(404);
  });
});

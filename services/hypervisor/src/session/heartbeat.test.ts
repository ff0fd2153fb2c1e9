import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestHost, type TestHost } from "../../test/host.js";

interface DomainRow {
  domid: number;
  name: string;
  connected: boolean;
}

describe("heartbeat", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost({ sessionLeaseMs: 200, limits: { heartbeatMs: 300 } });
  });
  afterAll(() => host.hv.close());

  it("drops a peer that stops answering pings, and its lease then destroys the domain", async () => {
    const frozen = await host.guest("frozen");
    // A frozen process (SIGSTOP, a paused container) answers no ping; its TCP connection stays open.
    frozen.socket.pong = () => frozen.socket;
    const closed = await frozen.closed;
    expect(closed.code).toBe(1006); // terminated by the hypervisor, no close handshake
    await vi.waitFor(
      async () => {
        const domains = await host.api<DomainRow[]>("/api/domains");
        expect(domains.find((d) => d.name === "frozen")).toBeUndefined();
      },
      { timeout: 5_000, interval: 25 },
    );
  });

  it("keeps a peer that answers, across many intervals", async () => {
    const alive = await host.guest("alive");
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // four heartbeat intervals
    const domains = await host.api<DomainRow[]>("/api/domains");
    expect(domains.find((d) => d.name === "alive")).toMatchObject({ domid: alive.domid, connected: true });
    expect((await alive.call({ evtchnAllocUnbound: { dom: 0x7ff0, remoteDom: 0 } })).status).toBe(0);
  });
});

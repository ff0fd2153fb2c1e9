// The request client over a real ring between a guest and dom0 (both joined to a real
// hypervisor); the test answers as dom0's server would, or fails to.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedRing, scriptedRing } from "../../test/scripted-backend.js";
import { TEST_HYPERVISOR_OPTIONS } from "../../test/xenfs-host.js";
import { FdLostError } from "./reconnected.js";
import { RequestClient } from "./request-client.js";

const path = { gref: 9, length: 3 };
const statOf = (id: number) =>
  ({
    op: "stat",
    id,
    ok: true,
    stat: {
      mode: 0o100644,
      nlink: 1,
      uid: 0,
      gid: 0,
      size: id,
      ino: 1,
      dev: 1,
      blocks: 0,
      rdev: 0,
      blksize: 4096,
      atimeNs: 0n,
      mtimeNs: 0n,
      ctimeNs: 0n,
      birthtimeNs: 0n,
    },
  }) as const;

describe("RequestClient over a real ring", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  const rings: ScriptedRing[] = [];
  const clients: RequestClient[] = [];

  const connect = async (client: RequestClient) => {
    const ring = await scriptedRing(guest, dom0);
    rings.push(ring);
    client.attach(ring.front);
    client.connected();
    return ring;
  };
  const newClient = (deadlineMs = 5_000, ops: string[] = []) => {
    const client = new RequestClient({ deadlineMs, onRequest: (op) => ops.push(op) });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
    dom0 = await joinDom0(hv);
    guest = await joinGuest(hv, "request-client");
    await guest.grants.setup(2);
    await dom0.grants.setup(1);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const ring of rings.splice(0)) await ring.destroy();
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("gives each request a unique id and each caller its own answer, whatever the order", async () => {
    const ops: string[] = [];
    const client = newClient(5_000, ops);
    const ring = await connect(client);
    const calls = [0, 1, 2].map((i) =>
      client.call({ op: "stat", path }, { context: { syscall: "stat", path: `f${i}` } }),
    );
    await ring.received(3);
    const ids = ring.requests.map((r) => r.id);
    expect(new Set(ids).size).toBe(3);
    await ring.answer(statOf(ids[2] as number), statOf(ids[0] as number), statOf(ids[1] as number));
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.stat.size)).toEqual(ids);
    expect(ops).toEqual(["stat", "stat", "stat"]);
  });

  it("turns a failed response into Node's error and ignores a second answer to the same id", async () => {
    const client = newClient(300);
    const ring = await connect(client);
    const first = client.call({ op: "stat", path }, { context: { syscall: "stat", path: "gone" } });
    const second = client.call({ op: "stat", path }, { context: { syscall: "stat", path: "never" } });
    await ring.received(2);
    const [a] = ring.requests.map((r) => r.id) as [number, number];
    const firstFails = expect(first).rejects.toMatchObject({
      code: "ENOENT",
      errno: -2,
      syscall: "stat",
      path: "gone",
      message: "ENOENT: no such file or directory, stat 'gone'",
    });
    // The backend answers `a` twice and the other request never: the duplicate settles nothing.
    await ring.answer({ op: "stat", id: a, ok: false, code: "ENOENT" }, statOf(a));
    await firstFails;
    await expect(second).rejects.toMatchObject({ code: "ETIMEDOUT", path: "never" });
  });

  it("waits for ring space: more requests than slots all get answered", async () => {
    const client = newClient();
    const ring = await connect(client);
    const n = 3 * ring.front.ring.nr_ents;
    const calls = Array.from({ length: n }, () => client.call({ op: "stat", path }));
    for (let answered = 0; answered < n; ) {
      await ring.received(Math.min(answered + ring.front.ring.nr_ents, n));
      const batch = ring.requests.slice(answered);
      answered += batch.length;
      await ring.answer(...batch.map((r) => statOf(r.id)));
    }
    expect((await Promise.all(calls)).length).toBe(n);
  });

  it("fails with ETIMEDOUT when the backend does not come back before the deadline", async () => {
    const client = newClient(200);
    const call = client.call({ op: "stat", path }, { context: { syscall: "stat", path: "x" } });
    await expect(call).rejects.toMatchObject({ code: "ETIMEDOUT", syscall: "stat", path: "x" });
  });

  it("re-issues in-flight requests on the next ring; an fd of the old connection is refused", async () => {
    const client = newClient();
    const old = await connect(client);
    const epoch = client.epoch;
    const byPath = client.call({ op: "stat", path });
    const byFd = client.call({ op: "fstat", fd: 3 }, { epoch });
    await old.received(2);
    client.detach(); // the backend went away without answering

    const next = await connect(client);
    await expect(byFd).rejects.toBeInstanceOf(FdLostError);
    await next.received(1);
    expect(next.requests.map((r) => r.op)).toEqual(["stat"]);
    // The same id and generation as the first time, flagged, so dom0's reply cache knows it.
    const sent = old.requests.find((r) => r.op === "stat");
    expect(sent?.reissue).toBeUndefined();
    expect(next.requests[0]).toMatchObject({ id: sent?.id, gen: sent?.gen, reissue: true });
    expect(client.gen).not.toBe(sent?.gen);
    await next.answer(statOf(next.requests[0]?.id as number));
    await expect(byPath).resolves.toMatchObject({ op: "stat", ok: true });
  });

  it("quiesces before a suspend: what is on the ring is answered, new requests wait for the next ring", async () => {
    const client = newClient();
    const old = await connect(client);
    const onRing = client.call({ op: "stat", path });
    await old.received(1);
    let quiesced = false;
    const quiescing = client.quiesce(5_000).then((drained) => {
      quiesced = drained;
    });
    const held = client.call({ op: "stat", path });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(quiesced).toBe(false);
    await old.answer(statOf(old.requests[0]?.id as number));
    await quiescing;
    expect(quiesced).toBe(true);
    await expect(onRing).resolves.toMatchObject({ ok: true });
    // The held request never went on the old ring; it goes, not as a re-issue, on the next.
    expect(old.requests.length).toBe(1);
    client.detach();
    const next = await connect(client);
    await next.received(1);
    expect(next.requests[0]?.reissue).toBeUndefined();
    await next.answer(statOf(next.requests[0]?.id as number));
    await expect(held).resolves.toMatchObject({ ok: true });
    expect(client.longestStallMs).toBeGreaterThan(0);
  });

  it("quiesce gives up after its bound: the unanswered request is re-issued on the next ring", async () => {
    const client = newClient();
    const old = await connect(client);
    const call = client.call({ op: "stat", path });
    await old.received(1);
    expect(await client.quiesce(50)).toBe(false);
    client.detach();
    const next = await connect(client);
    await next.received(1);
    expect(next.requests[0]).toMatchObject({ id: old.requests[0]?.id, reissue: true });
    await next.answer(statOf(next.requests[0]?.id as number));
    await expect(call).resolves.toMatchObject({ ok: true });
  });

  it("refuses a request its codec would refuse, before the ring sees it", async () => {
    const client = newClient();
    await expect(client.call({ op: "stat", path: { gref: 1, length: 0 } })).rejects.toMatchObject({
      code: "EINVAL",
    });
  });
});

// Bad input from a peer gets an error reply or a close with a reason, never a crash, and never
// changes state: random, malformed, truncated and oversized frames before authentication, and
// out-of-range arguments of every op from an authenticated guest, on either memory transport.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { DOMID, encodeEnvelope, type xen } from "@xenfs/proto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, populate, setupTable } from "../test/guest-ops.js";
import { CLUSTER_TOKEN, DOM0_TOKEN, startTestHost, type TestHost } from "../test/host.js";
import { RawClient } from "../test/raw-client.js";

const MAX_PAYLOAD = 64 * 1024;
let host: TestHost;
let guest: RawClient;
/** The same, on the shm transport. */
let shmGuest: RawClient;
let snapshot: unknown;

const state = async () => {
  // The host's real memory (this process's own Rss and Pss) moves with the test itself: not state.
  const { host: _real, ...memory } = await host.api<Record<string, unknown>>("/api/memory");
  return {
    memory,
    domains: await host.api("/api/domains"),
    // Machine memory's bytes themselves, as every shm domain sees them.
    bytes: createHash("sha256").update(readFileSync(host.hv.memory.path)).digest("hex"),
  };
};

beforeAll(async () => {
  host = await startTestHost({ limits: { maxPayload: MAX_PAYLOAD } });
  await host.dom0();
  guest = await host.guest("target", 16);
  await setupTable(guest); // gpfn 1
  await populate(guest, 4); // gpfns 2…5
  shmGuest = await host.guest("shm-target", 16);
  await ok(shmGuest.call({ memTransport: { transport: "shm" } }));
  await setupTable(shmGuest);
  await populate(shmGuest, 4);
  snapshot = await state();
});
afterAll(() => host.hv.close());

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const badGpfn = fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 0xffffffff }));
const badRef = fc.integer({ min: 512, max: 0xffffffff });
const badPort = fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 0xffffffff }));
const noDomain = fc.integer({ min: 10, max: 0xffff }).filter((d) => d !== DOMID.SELF);
const crossing = fc
  .tuple(fc.integer({ min: 0, max: 8192 }), fc.integer({ min: 1, max: 8192 }))
  .filter(([offset, length]) => offset + length > 4096);
const bytes = fc.uint8Array({ maxLength: 64 });

/** Hypercalls that must fail: every argument that matters is out of range for `guest`. */
const badCall: fc.Arbitrary<xen.Hypercall.$Properties> = fc.oneof(
  fc.record({ memRead: fc.record({ gpfn: badGpfn, offset: u32, length: u32 }) }),
  crossing.map(([offset, length]) => ({ memRead: { gpfn: 2, offset, length } })),
  crossing.map(([offset, length]) => ({
    memWrite: { gpfn: 2, offset, data: new Uint8Array(Math.min(length, 4097)) },
  })),
  fc.record({ memWrite: fc.record({ gpfn: badGpfn, offset: u32, data: bytes }) }),
  fc.record({
    memAdd: fc.record({
      gpfn: fc.constant(2),
      offset: u32,
      width: fc.integer({ min: 0, max: 16 }).filter((w) => w !== 4 && w !== 8),
      operand: bytes,
    }),
  }),
  fc.record({
    memCmpxchg: fc.record({
      gpfn: badGpfn,
      offset: u32,
      width: fc.constantFrom(4, 8),
      operand: bytes,
      desired: bytes,
    }),
  }),
  fc.record({ populatePhysmap: fc.record({ nrExtents: fc.integer({ min: 12, max: 0xffffffff }) }) }),
  fc.record({ decreaseReservation: fc.record({ gpfns: fc.array(badGpfn, { minLength: 1, maxLength: 8 }) }) }),
  fc.record({
    memForget: fc.record({
      gpfns: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1 << 20 })), { minLength: 1 }),
    }),
  }),
  fc.record({
    memTransport: fc.record({ transport: fc.string().filter((t) => t !== "shm" && t !== "socket") }),
  }),
  fc.record({ memTranslate: fc.record({ gpfns: fc.array(badGpfn, { minLength: 1, maxLength: 8 }) }) }),
  fc.record({ gnttabSetupTable: fc.record({ nrFrames: fc.integer({ min: 33, max: 0xffffffff }) }) }),
  fc.record({ gnttabQuerySize: fc.record({ dom: noDomain }) }),
  fc.record({
    gnttabMapGrantRef: fc.record({
      hostGpfn: u32,
      flags: u32,
      ref: badRef,
      dom: fc.constantFrom(0, DOMID.SELF),
    }),
  }),
  fc.record({ gnttabMapGrantRef: fc.record({ hostGpfn: u32, flags: u32, ref: u32, dom: noDomain }) }),
  fc.record({ gnttabUnmapGrantRef: fc.record({ handle: u32, hostGpfn: u32 }) }),
  crossing.map(([offset, len]) => ({
    gnttabCopy: { source: { offset }, dest: { offset: 0 }, len, flags: 3 },
  })),
  fc.record({ gnttabTransfer: fc.record({ mfn: badGpfn, domid: u32, ref: u32 }) }),
  fc.record({ gnttabRevoke: fc.record({ ref: badRef, deadlineMs: u32 }) }),
  fc.record({ evtchnAllocUnbound: fc.record({ dom: noDomain, remoteDom: u32 }) }),
  fc.record({ evtchnBindInterdomain: fc.record({ remoteDom: noDomain, remotePort: u32 }) }),
  fc.record({ evtchnBindInterdomain: fc.record({ remoteDom: fc.constant(0), remotePort: badPort }) }),
  fc.record({ evtchnBindVirq: fc.record({ virq: fc.integer({ min: 24, max: 0xffffffff }), vcpu: u32 }) }),
  fc.record({ evtchnSend: fc.record({ port: badPort }) }),
  fc.record({ evtchnClose: fc.record({ port: badPort }) }),
  fc.record({ evtchnUnmask: fc.record({ port: badPort }) }),
  fc.record({ evtchnMask: fc.record({ port: badPort }) }),
  fc.record({
    evtchnStatus: fc.record({
      dom: fc.constant(DOMID.SELF),
      port: fc.oneof(fc.constant(0), fc.integer({ min: 4096 })),
    }),
  }),
  fc.record({ domctl: fc.record({ cmd: u32, domain: u32, maxFrames: u32 }) }),
  // A guest may set faults on its own session; on any other domain it is refused.
  fc.record({ fault: fc.record({ spec: fc.string(), domid: noDomain }) }),
  fc.record({ xs: fc.record({ type: u32, txId: u32, payload: bytes }) }),
  fc.record({ join: fc.record({ token: fc.constantFrom(CLUSTER_TOKEN, DOM0_TOKEN), name: fc.string() }) }),
  fc.record({ resume: fc.record({ domid: u32, sessionKey: bytes }) }),
  fc.constant({}),
);

const joinFrame = encodeEnvelope({ seq: 1, call: { join: { token: CLUSTER_TOKEN, name: "intruder" } } });

/** First frames of a fresh connection that must be refused. */
const badFirstFrame: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.integer({ min: 0, max: joinFrame.length - 1 }).map((cut) => joinFrame.slice(0, cut)),
  fc.integer({ min: 1, max: 4096 }).map((extra) => new Uint8Array(MAX_PAYLOAD + extra)),
  fc
    .record({
      domid: fc.constantFrom(0, 1, 2, 3),
      sessionKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    })
    .map((resume) => encodeEnvelope({ seq: 1, call: { resume } })),
  fc
    .string({ minLength: 1 })
    .map((name) => encodeEnvelope({ seq: 1, call: { join: { token: DOM0_TOKEN, name } } })),
  fc.string().map((token) => encodeEnvelope({ seq: 1, call: { join: { token, name: "x" } } })),
  // As a first frame, a join with the cluster token and a fresh name is no bad input at all.
  badCall
    .filter((call) => call.join?.token !== CLUSTER_TOKEN)
    .map((call) => encodeEnvelope({ seq: 1, call })),
  fc.string({ minLength: 1, maxLength: 32 }),
);

describe("bad input", () => {
  it("9,000 out-of-range hypercalls from a guest (socket or shm) each get an error status and change nothing", async () => {
    await fc.assert(
      fc.asyncProperty(badCall, fc.boolean(), async (call, onShm) => {
        const reply = await (onShm ? shmGuest : guest).call(call);
        expect(reply.status, JSON.stringify(call)).not.toBe(0);
        expect(reply.code).not.toBe("EIO"); // EIO would mean a handler crashed
      }),
      { numRuns: 9000 },
    );
    expect(await state()).toEqual(snapshot);
  }, 120_000); // 9,000 round trips: ~19 s alone, past the 30 s default on a loaded 2-core machine

  it("1,500 random, truncated, oversized, forged or impersonating first frames each get a close with a reason", async () => {
    await fc.assert(
      fc.asyncProperty(badFirstFrame, async (frame) => {
        const client = await RawClient.connect(host.hv.url);
        client.sendRaw(frame);
        // Bounded: a frame the hypervisor ignored would otherwise wait for the handshake timeout.
        const closed = await Promise.race([
          client.closed,
          new Promise<never>((_, reject) =>
            setTimeout(
              () => reject(new Error(`no close within 2 s for ${Buffer.from(frame).toString("hex")}`)),
              2_000,
            ),
          ),
        ]);
        expect([1003, 1007, 1008, 1009]).toContain(closed.code);
        // 1009 past maxPayload comes from the WebSocket layer itself, which gives no reason text.
        if (closed.code !== 1009) expect(closed.reason).toMatch(/^E[A-Z0-9]+:/);
      }),
      { numRuns: 1500 },
    );
    expect(await state()).toEqual(snapshot);
    expect((await fetch(`${host.hv.httpUrl}/livez`)).status).toBe(200);
    expect((await guest.call({ memRead: { gpfn: 2, offset: 0, length: 1 } })).status).toBe(0);
  }, 120_000); // 1,500 real connections: seconds alone, much longer on a loaded 2-core machine
});

// Xen's ordering rule across processes: a domain that handles an event sees every write its
// peer made before sending it, whatever the batching, awaiting and write sizes.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { FramePage, XenDomain } from "@xenfs/libxen";
import { DEFAULT_WIRE_LIMITS } from "@xenfs/proto";
import { joinDom0, joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type How = "await" | "issue" | "page";
interface Write {
  readonly offset: number;
  readonly data: Uint8Array;
  readonly how: How;
  /** Let the tick end before the next call, so the calls leave in separate frames. */
  readonly split: boolean;
}

const write: fc.Arbitrary<Write> = fc.integer({ min: 0, max: 4095 }).chain((offset) =>
  fc.record({
    offset: fc.constant(offset),
    data: fc.uint8Array({ minLength: 1, maxLength: Math.min(4096 - offset, 512) }),
    how: fc.constantFrom<How>("await", "issue", "page"),
    split: fc.boolean(),
  }),
);

describe.each(TRANSPORTS)("write, then notify (%s transport)", (transport) => {
  let hv: Hypervisor;
  let a: XenDomain;
  let b: XenDomain;
  let mine: FramePage;
  let theirs: FramePage;
  let gpfn: number;
  let aPort: number;
  let expectNext: ((bytes: Uint8Array) => void) | undefined;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    // Small batches: a run's calls are split over several multicalls.
    a = await joinDom0(hv, { limits: { ...DEFAULT_WIRE_LIMITS, maxBatch: 3 }, memoryTransport: transport });
    b = await joinGuest(hv, "guest-coherence", { memoryTransport: transport });
    await a.grants.setup(1);
    [gpfn] = (await a.memory.populatePhysmap(1)) as [number];
    const ref = await a.grants.grantAccess(b.domid, gpfn, { readonly: true });
    const mapping = await b.grants.mapGrantRef(0, ref, { readonly: true });
    mine = await a.memory.page(gpfn);
    theirs = await b.memory.page(mapping.gpfn);
    const bPort = await b.events.allocUnbound(0);
    aPort = await a.events.bindInterdomain(b.domid, bPort);
    // What B sees, read inside its event handler.
    b.events.on(bPort, () => expectNext?.(theirs.read(0, 4096)));
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await hv?.close();
  });

  it("the handler always reads the bytes written before the send", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 12 }), async (writes) => {
        const expected = mine.read(0, 4096);
        const seen = new Promise<Uint8Array>((resolve) => {
          expectNext = resolve;
        });
        const issued: Promise<void>[] = [];
        for (const w of writes) {
          expected.set(w.data, w.offset);
          if (w.how === "await") await a.memory.write(gpfn, w.offset, w.data);
          else if (w.how === "issue") issued.push(a.memory.write(gpfn, w.offset, w.data));
          else mine.write(w.offset, w.data);
          if (w.split) await new Promise((resolve) => setImmediate(resolve));
        }
        await a.events.send(aPort);
        const bytes = await seen;
        await Promise.all(issued);
        await a.memory.flush();
        expect(Buffer.from(bytes).equals(expected)).toBe(true);
        // The writer's own copy agrees once its replies are in.
        expect(Buffer.from(mine.read(0, 4096)).equals(expected)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

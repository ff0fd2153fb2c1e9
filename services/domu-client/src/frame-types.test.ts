// The frame map of a real XenFS host tells the guest's ring and dom0's page cache apart from RAM
// (mem_annotate, docs/observing.md#frame-map): exactly the ring's frames and exactly the frames
// dom0's cache holds.
import { fsifRing } from "@xenfs/fsproto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../test/xenfs-host.js";

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.stop());

type Kinds = { [kind in "ram" | "grant_table" | "page_cache" | "ring" | "cow_copy"]?: number };

interface Encoded {
  total: number;
  types: string[];
  owner: string;
  type: string;
}

async function kinds(domid: number): Promise<Kinds> {
  const map = (await (await fetch(`${host.hv.httpUrl}/api/frames`)).json()) as Encoded;
  const o = Buffer.from(map.owner, "base64");
  const owner = new Uint16Array(o.buffer, o.byteOffset, o.byteLength / 2);
  const type = Buffer.from(map.type, "base64");
  const counts: Record<string, number> = {};
  for (let mfn = 0; mfn < map.total; mfn++) {
    if (owner[mfn] !== domid) continue;
    const name = map.types[type[mfn]!]!;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts as Kinds;
}

async function cacheFrames(): Promise<number> {
  const text = await (await fetch(`${host.dom0.httpUrl}/metrics`)).text();
  return Number(/^xenfs_page_cache_frames (\d+)$/m.exec(text)?.[1]);
}

it("shows the guest's ring frames and dom0's page-cache frames, exactly", async () => {
  const { domain, fs } = await host.guest("typed", "shared");
  expect((await kinds(domain.domid)).ring).toBe(fsifRing.pages);
  expect(await fs.readFile("docs/deep/big.bin")).toHaveLength(5 * 4096 + 123);
  const frames = await cacheFrames();
  expect(frames).toBeGreaterThanOrEqual(6);
  // dom0's note is not waited for: it lands with its next hypercall, well within a poll or two.
  const deadline = Date.now() + 5_000;
  while ((await kinds(0)).page_cache !== frames && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  expect((await kinds(0)).page_cache).toBe(frames);
});

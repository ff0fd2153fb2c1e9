// What shared mode buys and what copy mode costs, observed on the real host: requests a guest
// makes, frames each domain owns and maps, and coherence between guests.
import { writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../test/xenfs-host.js";

interface MemoryView {
  frames: { shared: number };
  domains: { domid: number; frames: number; mapped: number }[];
}

describe("shared pages and copies", () => {
  let host: TestHost;
  const memory = async () => (await (await fetch(`${host.hv.httpUrl}/api/memory`)).json()) as MemoryView;
  const domainOf = async (domid: number) => (await memory()).domains.find((d) => d.domid === domid);
  const BIG = pattern(5 * 4096 + 123);
  const BIG_PAGES = 6;

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("reads pages it holds with no request at all", async () => {
    const { fs } = await host.guest("holder", "shared");
    expect(await fs.readFile("docs/deep/big.bin")).toEqual(BIG);
    const before = fs.snapshot();
    expect(before.pagesHeld).toBe(BIG_PAGES);

    expect(await fs.readFile("docs/deep/big.bin")).toEqual(BIG);
    const handle = await fs.open("docs/deep/big.bin");
    const opened = fs.snapshot().requests;
    const { buffer } = await handle.read(Buffer.alloc(6000), 0, 6000, 4000);
    expect(buffer).toEqual(BIG.subarray(4000, 10_000));
    const after = fs.snapshot();
    expect(after.requests).toBe(opened);
    expect(after.requests - before.requests).toBe(1); // the handle's open, nothing else
    expect(after.readsLocal - before.readsLocal).toBe(2);
    await handle.close();
  });

  it("lets N guests read one file through one set of frames; copy guests each hold their own", async () => {
    const a = await host.guest("share-a", "shared");
    const b = await host.guest("share-b", "shared");
    const c = await host.guest("copy-c", "copy");
    // Warm up: the first request grants the page its path travels in.
    for (const { fs } of [a, b, c]) await fs.stat("hello.txt");
    const ownedBefore = await Promise.all([a, b, c].map((g) => domainOf(g.domain.domid)));
    for (const { fs } of [a, b, c]) expect(await fs.readFile("docs/deep/big.bin")).toEqual(BIG);
    const owned = await Promise.all([a, b, c].map((g) => domainOf(g.domain.domid)));

    // Shared guests map dom0's frames and own none for the data; the copy guest owns a copy.
    for (const i of [0, 1]) {
      expect((owned[i]?.frames ?? 0) - (ownedBefore[i]?.frames ?? 0)).toBe(0);
      expect((owned[i]?.mapped ?? 0) - (ownedBefore[i]?.mapped ?? 0)).toBeGreaterThanOrEqual(BIG_PAGES);
    }
    expect((owned[2]?.frames ?? 0) - (ownedBefore[2]?.frames ?? 0)).toBeGreaterThanOrEqual(BIG_PAGES);
    expect(c.fs.snapshot()).toMatchObject({ mode: "copy", pagesHeld: BIG_PAGES });

    // Copy mode asks every time, even for data it has just read.
    const requests = c.fs.snapshot().requests;
    expect(await c.fs.readFile("docs/deep/big.bin")).toEqual(BIG);
    expect(c.fs.snapshot().requests).toBeGreaterThan(requests);
    expect(c.fs.snapshot().readsLocal).toBe(0);
  });

  it("shows guest B, already holding the pages, what guest A wrote — without asking", async () => {
    const writer = await host.guest("writer", "shared");
    const reader = await host.guest("reader", "shared");
    await writeLocal(join(host.exportDir, "shared.bin"), pattern(3 * 4096, 5));
    expect(await reader.fs.readFile("shared.bin")).toEqual(pattern(3 * 4096, 5));

    const handle = await writer.fs.open("shared.bin", "r+");
    await handle.write(Buffer.from("NEW BYTES"), 0, 9, 4096 + 10);
    await handle.close();
    const expected = pattern(3 * 4096, 5);
    expected.write("NEW BYTES", 4096 + 10);
    const requests = reader.fs.snapshot().requests;
    expect(await reader.fs.readFile("shared.bin")).toEqual(expected);
    expect(reader.fs.snapshot().requests).toBe(requests);

    // A rewrite that changes the size: the reader learns it from the attribute record.
    await writer.fs.writeFile("shared.bin", "tiny");
    expect(await reader.fs.readFile("shared.bin", "utf8")).toBe("tiny");
  });

  it("does not serve a file whose name now points elsewhere", async () => {
    const { fs } = await host.guest("renamer", "shared");
    await fs.writeFile("old.txt", "old");
    await fs.writeFile("new.txt", "new");
    expect(await fs.readFile("old.txt", "utf8")).toBe("old");
    await fs.rename("new.txt", "old.txt");
    expect(await fs.readFile("old.txt", "utf8")).toBe("new");
  });

  it("keeps within its page budget, giving pages back as it goes", async () => {
    const { fs } = await host.guest("budget", "shared", { maxPagesHeld: 3 });
    expect(await fs.readFile("docs/deep/big.bin")).toEqual(BIG);
    expect(fs.snapshot().pagesHeld).toBeLessThanOrEqual(3);
    expect(await fs.readFile("docs/deep/big.bin")).toEqual(BIG);
  });
});

describe("a page cache smaller than the file", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost({ cacheMb: 1 });
    await writeLocal(join(host.exportDir, "large.bin"), pattern(2 * 1024 * 1024, 11));
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("reads right through revocations: dom0 takes pages back and the guest refetches", async () => {
    const { fs } = await host.guest("squeezed", "shared");
    const expected = pattern(2 * 1024 * 1024, 11);
    // Buffer.equals: a deep toEqual over 2 MiB would take longer than the read.
    expect((await fs.readFile("large.bin")).equals(expected)).toBe(true);
    expect((await fs.readFile("large.bin")).equals(expected)).toBe(true);
    expect(fs.snapshot().pagesHeld).toBeLessThanOrEqual(256);
    const cache = (await (await fetch(`${host.dom0.httpUrl}/api/cache`)).json()) as { revocations: number };
    expect(cache.revocations).toBeGreaterThan(0);
  });
});

// cow mode on the real host: each cow guest writes into its own overlay in dom0, never the
// export; other guests (cow or shared) go on seeing the base; a base file neither changed is read
// through dom0's shared frames; the overlay outlives a dom0 restart.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../test/xenfs-host.js";

interface MemoryView {
  domains: { domid: number; frames: number; mapped: number }[];
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path] = entry.isFile()
      ? createHash("sha256")
          .update(await readFile(path))
          .digest("hex")
      : "other";
  }
  return out;
}

describe("cow mode", () => {
  let host: TestHost;
  const BIG = pattern(5 * 4096 + 123);

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("keeps each cow guest's changes its own, off the export, across a dom0 restart", async () => {
    const before = await snapshot(host.exportDir);
    const a = await host.guest("cow-a", "cow");
    const b = await host.guest("cow-b", "cow");
    const plain = await host.guest("plain", "shared");
    expect(a.fs.mode).toBe("cow");

    await a.fs.writeFile("hello.txt", "hello from a\n");
    await a.fs.writeFile("docs/new.txt", "new in a");
    await a.fs.unlink("docs/readme.md");
    await a.fs.mkdir("made");
    await a.fs.rename("docs/deep/er/page.bin", "made/page.bin");

    expect(await a.fs.readFile("hello.txt", "utf8")).toBe("hello from a\n");
    expect(await a.fs.readdir("docs")).toEqual(["deep", "link-in", "new.txt"]);
    expect(await a.fs.readdir("made")).toEqual(["page.bin"]);
    expect(await a.fs.readFile("made/page.bin")).toEqual(pattern(4096, 3));
    expect(await a.fs.exists("docs/deep/er/page.bin")).toBe(false);
    await expect(a.fs.readFile("docs/readme.md")).rejects.toMatchObject({ code: "ENOENT" });

    for (const other of [b, plain]) {
      expect(await other.fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");
      expect(await other.fs.readdir("docs")).toEqual(["deep", "link-in", "readme.md"]);
      expect(await other.fs.exists("made")).toBe(false);
    }
    expect(await snapshot(host.exportDir)).toEqual(before);

    // b's own change stays b's.
    await b.fs.writeFile("hello.txt", "hello from b\n");
    expect(await a.fs.readFile("hello.txt", "utf8")).toBe("hello from a\n");
    expect(await plain.fs.readFile("hello.txt", "utf8")).toBe("hello, xenfs\n");

    await host.stopDom0();
    await host.startDom0();
    // The guest reconnects to the new dom0 by itself; its overlay was on disk all along.
    expect(await a.fs.readFile("hello.txt", "utf8")).toBe("hello from a\n");
    expect(await a.fs.readdir("docs")).toEqual(["deep", "link-in", "new.txt"]);
    expect(await b.fs.readFile("hello.txt", "utf8")).toBe("hello from b\n");
    expect(await snapshot(host.exportDir)).toEqual(before);
    const upper = join(host.dom0.stateDir, "overlays", "cow-a");
    expect(await readFile(join(upper, "hello.txt"), "utf8")).toBe("hello from a\n");
  }, 60_000);

  it("reads a base file that neither changed through dom0's frames: no frame of their own", async () => {
    const memory = async () =>
      ((await (await fetch(`${host.hv.httpUrl}/api/memory`)).json()) as MemoryView).domains;
    const a = await host.guest("cow-c", "cow");
    const b = await host.guest("cow-d", "cow");
    for (const { fs } of [a, b]) await fs.stat("hello.txt");
    const ownedBefore = await memory();
    for (const { fs } of [a, b]) expect(await fs.readFile("docs/deep/big.bin")).toEqual(BIG);
    const owned = await memory();
    for (const guest of [a, b]) {
      const was = ownedBefore.find((d) => d.domid === guest.domain.domid);
      const now = owned.find((d) => d.domid === guest.domain.domid);
      expect((now?.frames ?? 0) - (was?.frames ?? 0)).toBe(0);
      expect((now?.mapped ?? 0) - (was?.mapped ?? 0)).toBeGreaterThanOrEqual(6);
    }
  }, 60_000);
});

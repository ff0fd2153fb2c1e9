// Shared mmap between guests on a real host (docs/mmap.md): two guests mapping one file range
// share dom0's page-cache frames; atomics are atomic across them; msync and the last unmap reach
// the file on disk; private mappings are copy-to-write; truncate below a mapping is EBUSY.
import { readFile as readLocal, writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../../test/xenfs-host.js";

const PAGE = 4096;

describe("mount.mmap between guests", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("counts to 20,000 when two guests each add 1 10,000 times to one mapped word", async () => {
    await writeLocal(join(host.exportDir, "counter.bin"), Buffer.alloc(2 * PAGE));
    const a = await host.guest("count-a", "shared");
    const b = await host.guest("count-b", "shared");
    const ma = await a.fs.mmap("counter.bin", { length: 2 * PAGE, writable: true });
    const mb = await b.fs.mmap("counter.bin", { length: 2 * PAGE, writable: true });
    const count = async (m: typeof ma) => {
      for (let i = 0; i < 10_000; i++) await m.add(PAGE + 8, 8, 1n);
    };
    await Promise.all([count(ma), count(mb)]);
    expect((await ma.read(PAGE + 8, 8)).readBigUInt64LE()).toBe(20_000n);
    expect((await mb.read(PAGE + 8, 8)).readBigUInt64LE()).toBe(20_000n);
    // compareExchange: only the guest that expected the current value wins.
    expect(await ma.compareExchange(PAGE + 8, 8, 20_000n, 1n)).toBe(20_000n);
    expect(await mb.compareExchange(PAGE + 8, 8, 20_000n, 2n)).toBe(1n);
    expect(await mb.compareExchange(0, 4, 0n, 7n)).toBe(0n);
    expect((await ma.read(0, 4)).readUInt32LE()).toBe(7);
    await ma.unmap();
    await mb.unmap();
    const disk = await readLocal(join(host.exportDir, "counter.bin"));
    expect(disk.readBigUInt64LE(PAGE + 8)).toBe(1n);
    expect(disk.readUInt32LE(0)).toBe(7);
  }, 120_000);

  it("shows one guest's plain write to the other at once, and msync puts it on disk", async () => {
    const original = pattern(3 * PAGE + 100, 9);
    await writeLocal(join(host.exportDir, "plain.bin"), original);
    const a = await host.guest("plain-a", "shared");
    const b = await host.guest("plain-b", "shared");
    const ma = await a.fs.mmap("plain.bin", { offset: PAGE, length: 2 * PAGE + 100, writable: true });
    const mb = await b.fs.mmap("plain.bin", { offset: PAGE, length: 2 * PAGE + 100, writable: true });
    expect(await mb.read(0, 2 * PAGE + 100)).toEqual(original.subarray(PAGE));

    // Across a page boundary, and into the last page's bytes up to the end of file.
    const message = Buffer.from("across the boundary between two pages");
    await ma.write(PAGE - 10, message);
    const requests = b.fs.snapshot().requests;
    expect(await mb.read(PAGE - 10, message.length)).toEqual(message);
    expect(b.fs.snapshot().requests).toBe(requests); // straight from the shared frames
    await mb.write(2 * PAGE + 90, Buffer.from("0123456789"));
    expect(await ma.read(2 * PAGE + 90, 10)).toEqual(Buffer.from("0123456789"));

    // Not on disk until msync; a third guest's read sees the cache, so it sees them already.
    expect(
      (await readLocal(join(host.exportDir, "plain.bin"))).subarray(2 * PAGE - 10, 2 * PAGE + 30),
    ).toEqual(original.subarray(2 * PAGE - 10, 2 * PAGE + 30));
    await ma.msync();
    const expected = Buffer.from(original);
    message.copy(expected, 2 * PAGE - 10);
    expected.write("0123456789", 3 * PAGE + 90);
    const disk = await readLocal(join(host.exportDir, "plain.bin"));
    expect(disk.length).toBe(original.length); // write-back stops at the end of file
    expect(disk.subarray(0, 2 * PAGE + 200)).toEqual(expected.subarray(0, 2 * PAGE + 200));
    await ma.unmap();
    // b is now the last writable mapper: its unmap writes its own store back.
    await mb.unmap();
    expect(await readLocal(join(host.exportDir, "plain.bin"))).toEqual(expected);
    expect(await a.fs.readFile("plain.bin")).toEqual(expected);
  });

  it("refuses to truncate a file below a mapping (EBUSY), and allows it once unmapped", async () => {
    await writeLocal(join(host.exportDir, "trunc.bin"), pattern(3 * PAGE, 4));
    const a = await host.guest("trunc-a", "shared");
    const b = await host.guest("trunc-b", "shared");
    const m = await a.fs.mmap("trunc.bin", { offset: PAGE, length: PAGE, writable: true });
    await expect(b.fs.truncate("trunc.bin", PAGE + 1)).rejects.toMatchObject({ code: "EBUSY" });
    await expect(b.fs.writeFile("trunc.bin", "gone")).rejects.toMatchObject({ code: "EBUSY" });
    const handle = await b.fs.open("trunc.bin", "r+");
    await expect(handle.truncate(100)).rejects.toMatchObject({ code: "EBUSY" });
    await handle.truncate(2 * PAGE); // cuts no mapped page
    await handle.close();
    await b.fs.truncate("trunc.bin", 4 * PAGE); // growing is fine
    await m.unmap();
    await b.fs.truncate("trunc.bin", 0);
    expect((await b.fs.stat("trunc.bin")).size).toBe(0);
  });

  it("keeps an unlinked file alive in its mappings, as Linux does, and frees its frames at the unmap", async () => {
    const original = pattern(2 * PAGE, 2);
    await writeLocal(join(host.exportDir, "doomed.bin"), original);
    const a = await host.guest("doomed-a", "shared");
    const b = await host.guest("doomed-b", "shared");
    const ma = await a.fs.mmap("doomed.bin", { length: 2 * PAGE, writable: true });
    const frames = async () =>
      ((await (await fetch(`${host.dom0.httpUrl}/api/cache`)).json()) as { frames: number }).frames;
    const framesMapped = await frames();
    await b.fs.unlink("doomed.bin");
    await ma.write(PAGE, Buffer.from("still here"));
    expect((await ma.read(PAGE, 10)).toString()).toBe("still here");
    expect(await ma.read(0, 10)).toEqual(original.subarray(0, 10));
    // A new file (which may get the old inode number) is not the mapping's.
    await b.fs.writeFile("doomed.bin", "new file");
    await b.fs.truncate("doomed.bin", 0);
    await ma.msync(); // through the guest's fd, to the unlinked file
    await ma.unmap();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await frames()).toBeLessThan(framesMapped);
    expect((await b.fs.stat("doomed.bin")).size).toBe(0);
  });

  it("keeps a private mapping's writes to itself: copy-to-write, never on disk", async () => {
    const original = pattern(2 * PAGE, 6);
    await writeLocal(join(host.exportDir, "private.bin"), original);
    const a = await host.guest("private-a", "shared");
    const b = await host.guest("private-b", "shared");
    const mine = await a.fs.mmap("private.bin", { length: 2 * PAGE, shared: false, writable: true });
    const theirs = await b.fs.mmap("private.bin", { length: 2 * PAGE, writable: true });
    let faults = 0;
    const off = a.domain.memory.onCopyToWrite(() => {
      faults += 1;
    });
    await mine.write(10, Buffer.from("mine only"));
    await mine.add(PAGE, 4, 5n);
    off();
    expect(faults).toBe(2); // one private frame per page written
    expect(await mine.read(10, 9)).toEqual(Buffer.from("mine only"));
    expect(await theirs.read(10, 9)).toEqual(original.subarray(10, 19));
    expect(await b.fs.readFile("private.bin")).toEqual(original);

    // The shared mapper's later store reaches the others, not the page the private one copied.
    await theirs.write(20, Buffer.from("shared"));
    expect(await mine.read(20, 6)).toEqual(original.subarray(20, 26));
    await mine.msync(); // nothing to write: private
    await mine.unmap();
    await theirs.unmap();
    const expected = Buffer.from(original);
    expected.write("shared", 20);
    expect(await readLocal(join(host.exportDir, "private.bin"))).toEqual(expected);
  });

  it("in cow mode maps the guest's own copy for shared writes, and the base's frames copy-to-write for private ones", async () => {
    const original = pattern(2 * PAGE, 8);
    await writeLocal(join(host.exportDir, "cow-mapped.bin"), original);
    const cow = await host.guest("mmap-cow", "cow");
    const plain = await host.guest("mmap-plain", "shared");
    const seen = await plain.fs.mmap("cow-mapped.bin", { length: 2 * PAGE });

    // Private: the base's frames, copy-to-write; the store stays in the cow guest.
    const priv = await cow.fs.mmap("cow-mapped.bin", { length: 2 * PAGE, shared: false, writable: true });
    await priv.write(0, Buffer.from("private"));
    expect(await seen.read(0, 7)).toEqual(original.subarray(0, 7));
    await priv.unmap();

    // Shared writable: the open for writing copies the file up; msync writes the overlay's copy.
    const own = await cow.fs.mmap("cow-mapped.bin", { length: 2 * PAGE, writable: true });
    await own.write(PAGE, Buffer.from("in my overlay"));
    await own.msync();
    await own.unmap();
    expect((await cow.fs.readFile("cow-mapped.bin")).subarray(PAGE, PAGE + 13).toString()).toBe(
      "in my overlay",
    );
    expect(await readLocal(join(host.exportDir, "cow-mapped.bin"))).toEqual(original);
    expect(await seen.read(0, 2 * PAGE)).toEqual(original);
    expect(await plain.fs.readFile("cow-mapped.bin")).toEqual(original);
    await seen.unmap();
  });

  it("refuses what mmap(2) refuses: unaligned offsets, writes to read-only maps, access past the end", async () => {
    await writeLocal(join(host.exportDir, "small.bin"), "tiny");
    const { fs } = await host.guest("refusals", "shared");
    await expect(fs.mmap("small.bin", { offset: 100, length: 10 })).rejects.toMatchObject({ code: "EINVAL" });
    await expect(fs.mmap("small.bin", { length: 0 })).rejects.toMatchObject({ code: "EINVAL" });
    const m = await fs.mmap("small.bin", { length: 2 * PAGE });
    expect((await m.read(0, 4)).toString()).toBe("tiny");
    await expect(m.write(0, Buffer.from("x"))).rejects.toMatchObject({ code: "EACCES" });
    // The second page is past the end of file: no frame there (Linux: SIGBUS).
    await expect(m.read(PAGE, 1)).rejects.toMatchObject({ code: "EFAULT" });
    await expect(m.read(2 * PAGE - 1, 2)).rejects.toMatchObject({ code: "EFAULT" });
    await m.unmap();
    await expect(m.read(0, 1)).rejects.toMatchObject({ code: "EINVAL" });
  });
});

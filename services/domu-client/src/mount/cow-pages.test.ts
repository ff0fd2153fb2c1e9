// Page-granular cow (docs/xenfs.md#cow-mode) on the real host: a cow guest that writes one page of
// a big base file it holds costs exactly one frame (its private copy, through the Copy-To-Write
// fault) and one page of its upper file on disk; every other page stays dom0's shared frame,
// other guests go on reading the base, and when dom0 takes the base's frames back the writer
// keeps its copy.
import { stat, writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../test/xenfs-host.js";

const PAGE = 4096;
const BIG_PAGES = 64;
/** Read by the shared guest to make dom0 (1 MiB: 256 frames) take big.bin's frames back. */
const OTHER_PAGES = 240;

interface MemoryView {
  frames: { used: number; privateCopies: number; copyToWriteFaults: number };
  domains: { domid: number; frames: number }[];
}

/** Where two byte strings first differ ("same" when they do not). */
function diff(got: Uint8Array, want: Uint8Array): string {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const at = got.findIndex((byte, i) => byte !== want[i]);
  return at < 0 ? "same" : `byte ${at} (page ${Math.floor(at / PAGE)}): ${got[at]}, want ${want[at]}`;
}

describe("page-granular cow", () => {
  let host: TestHost;
  const big = pattern(BIG_PAGES * PAGE, 21);
  const other = pattern(OTHER_PAGES * PAGE, 22);

  beforeAll(async () => {
    host = await startTestHost({ cacheMb: 1 });
    await writeLocal(join(host.exportDir, "big.bin"), big);
    await writeLocal(join(host.exportDir, "other.bin"), other);
  });
  afterAll(async () => {
    await host?.stop();
  });

  const memory = async () => (await (await fetch(`${host.hv.httpUrl}/api/memory`)).json()) as MemoryView;
  const framesOf = (view: MemoryView, domid: number) => view.domains.find((d) => d.domid === domid)?.frames;

  it("one written page costs one private frame and one upper page; others read the base", async () => {
    const options = { maxPagesHeld: 128 };
    const a = await host.guest("pg-a", "cow", options);
    const b = await host.guest("pg-b", "cow", options);
    // c holds all it reads: dom0's cache cannot hold big.bin and other.bin without revoking.
    const c = await host.guest("pg-c", "shared", { maxPagesHeld: 2 * (BIG_PAGES + OTHER_PAGES) });
    for (const guest of [a, b, c]) expect(diff(await guest.fs.readFile("big.bin"), big)).toBe("same");

    // The open copies big.bin up (a new inode, page-granular); reading it maps the same base frames.
    const handle = await a.fs.open("big.bin", "r+");
    const { buffer } = await handle.read(Buffer.alloc(big.length), 0, big.length, 0);
    expect(diff(buffer, big)).toBe("same");
    const before = await memory();
    const faultsBefore = a.domain.memory.copyToWriteFaults;
    const change = pattern(100, 99);
    await handle.write(change, 0, change.length, 7 * PAGE + 50);
    const after = await memory();
    await handle.close();

    expect(after.frames.used - before.frames.used).toBe(1);
    expect(after.frames.privateCopies - before.frames.privateCopies).toBe(1);
    expect(after.frames.copyToWriteFaults - before.frames.copyToWriteFaults).toBe(1);
    expect(a.domain.memory.copyToWriteFaults - faultsBefore).toBe(1);
    expect((framesOf(after, a.domain.domid) ?? 0) - (framesOf(before, a.domain.domid) ?? 0)).toBe(1);
    for (const domid of [0, b.domain.domid, c.domain.domid]) {
      expect(framesOf(after, domid), `domain ${domid}`).toBe(framesOf(before, domid));
    }
    // The upper file is sparse: the base's size, one page of its own.
    const upper = await stat(join(host.dom0.stateDir, "overlays", "pg-a", "big.bin"));
    expect(upper.size).toBe(big.length);
    expect(upper.blocks * 512).toBeGreaterThan(0);
    expect(upper.blocks * 512).toBeLessThanOrEqual(PAGE);

    const changed = Buffer.from(big);
    change.copy(changed, 7 * PAGE + 50);
    expect(diff(await a.fs.readFile("big.bin"), changed)).toBe("same");
    for (const guest of [b, c]) expect(diff(await guest.fs.readFile("big.bin"), big)).toBe("same");

    // dom0 takes big.bin's frames back (revoking what b and c and a hold of the base)...
    const cache = async () =>
      (await (await fetch(`${host.dom0.httpUrl}/api/cache`)).json()) as { revocations: number };
    const revocations = (await cache()).revocations;
    for (let round = 0; round < 2; round++) {
      expect(diff(await c.fs.readFile("other.bin"), other)).toBe("same");
    }
    expect((await cache()).revocations).toBeGreaterThan(revocations);
    // ...and the writer keeps its private copy; every guest still reads the right bytes.
    expect((await memory()).frames.privateCopies).toBe(after.frames.privateCopies);
    expect(diff(await a.fs.readFile("big.bin"), changed)).toBe("same");
    for (const guest of [b, c]) expect(diff(await guest.fs.readFile("big.bin"), big)).toBe("same");
    expect(a.domain.memory.copyToWriteFaults - faultsBefore).toBe(1);
  }, 120_000);

  it("a truncate below a page the guest holds, then an extension, reads zeros there", async () => {
    const small = pattern(8 * PAGE, 23);
    await writeLocal(join(host.exportDir, "trunc.bin"), small);
    const a = await host.guest("pg-t", "cow", { maxPagesHeld: 128 });
    const handle = await a.fs.open("trunc.bin", "r+");
    // Held, copy-to-write: the base's frames, which dom0 cannot zero for this guest.
    expect(diff((await handle.read(Buffer.alloc(small.length), 0, small.length, 0)).buffer, small)).toBe(
      "same",
    );
    await handle.truncate(2 * PAGE + 10);
    await handle.truncate(4 * PAGE);
    await handle.close();
    const want = Buffer.alloc(4 * PAGE);
    small.copy(want, 0, 0, 2 * PAGE + 10);
    expect(diff(await a.fs.readFile("trunc.bin"), want)).toBe("same");
    await a.fs.truncate("trunc.bin", PAGE + 1);
    await a.fs.truncate("trunc.bin", 3 * PAGE);
    const again = Buffer.alloc(3 * PAGE);
    small.copy(again, 0, 0, PAGE + 1);
    expect(diff(await a.fs.readFile("trunc.bin"), again)).toBe("same");
  }, 60_000);
});

// Page reclamation under cow mode, against a model: two cow guests and a shared one read and
// write random ranges of files together larger than dom0's page cache, so dom0 keeps taking
// frames back (evicting and revoking what guests hold). Every read must return exactly what the
// model says that guest sees: copy-up is page-granular (docs/xenfs.md#cow-mode), so its own bytes
// for the pages it wrote, and the base's (as the shared guest changes it) for every other page.
import { writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../test/xenfs-host.js";
import type { XenfsMount } from "./mount.js";

const PAGE = 4096;
const FILES = ["r0.bin", "r1.bin", "r2.bin"] as const;
/** 3 × 100 pages: more than the 1 MiB (256 frames) cache, so reads evict each other's pages. */
const FILE_PAGES = 100;
const STEPS = 60;

/** Where two byte strings first differ ("same" when they do not): quicker than deep equality. */
function diff(got: Uint8Array, want: Uint8Array): string {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const at = got.findIndex((byte, i) => byte !== want[i]);
  return at < 0 ? "same" : `byte ${at} (page ${Math.floor(at / PAGE)}): ${got[at]}, want ${want[at]}`;
}

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Guest {
  readonly name: string;
  readonly fs: XenfsMount;
  /** Copy-To-Write faults the guest has taken (its private copies of pages it wrote). */
  readonly faults: () => number;
  /** cow: the pages of each file this guest has its own copy of, by page index. */
  readonly own: Map<string, Map<number, Buffer>> | undefined;
}

describe("cow mode under page reclamation", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost({ cacheMb: 1 });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("never reads stale or wrong bytes while dom0 evicts and revokes", async () => {
    const base = new Map<string, Buffer>();
    for (const [i, name] of FILES.entries()) {
      base.set(name, pattern(FILE_PAGES * PAGE, 10 + i));
      await writeLocal(join(host.exportDir, name), base.get(name) as Buffer);
    }
    const guest = async (name: string, mode: "cow" | "shared"): Promise<Guest> => {
      const { fs, domain } = await host.guest(name, mode, { maxPagesHeld: 64 });
      const faults = () => domain.memory.copyToWriteFaults;
      return { name, fs, faults, own: mode === "cow" ? new Map() : undefined };
    };
    const guests: Guest[] = [
      await guest("reclaim-a", "cow"),
      await guest("reclaim-b", "cow"),
      await guest("reclaim-c", "shared"),
    ];
    const seen = (guest: Guest, file: string) => {
      const bytes = Buffer.from(base.get(file) as Buffer);
      for (const [index, page] of guest.own?.get(file) ?? []) page.copy(bytes, index * PAGE);
      return bytes;
    };
    const random = prng(12);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const before = (await (await fetch(`${host.dom0.httpUrl}/api/cache`)).json()) as { evictions: number };

    for (let step = 0; step < STEPS; step++) {
      const guest = pick(guests);
      if (step % 20 === 0) {
        // The shared guest reads every file whole: more pages than dom0's cache holds, so it
        // must take frames back, from the cow guests too.
        const reader = guests.find((g) => !g.own) as Guest;
        for (const name of FILES) {
          expect(diff(await reader.fs.readFile(name), seen(reader, name)), `step ${step}: ${name}`).toBe(
            "same",
          );
        }
      }
      const file = pick(FILES);
      const at = Math.floor(random() * FILE_PAGES * PAGE);
      const length = 1 + Math.floor(random() * Math.min(8 * PAGE, FILE_PAGES * PAGE - at));
      if (random() < 0.3) {
        const bytes = pattern(length, 100 + step);
        const handle = await guest.fs.open(file, "r+");
        // Half the time the guest holds the pages first, so the write takes the fault in them.
        if (random() < 0.5) await handle.read(Buffer.alloc(length), 0, length, at);
        await handle.write(bytes, 0, length, at);
        await handle.close();
        if (guest.own) {
          // Each page the write touches is the guest's from now on: as it saw it, then written.
          const copy = seen(guest, file);
          bytes.copy(copy, at);
          const pages = guest.own.get(file) ?? new Map<number, Buffer>();
          for (let index = Math.floor(at / PAGE); index * PAGE < at + length; index++) {
            pages.set(index, Buffer.from(copy.subarray(index * PAGE, (index + 1) * PAGE)));
          }
          guest.own.set(file, pages);
        } else {
          bytes.copy(base.get(file) as Buffer, at);
        }
      } else {
        const whole = random() < 0.2;
        const expected = seen(guest, file);
        if (whole) {
          expect(
            diff(await guest.fs.readFile(file), expected),
            `step ${step}: ${guest.name} reads ${file}`,
          ).toBe("same");
        } else {
          const handle = await guest.fs.open(file, "r");
          const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, at);
          await handle.close();
          expect(bytesRead).toBe(length);
          expect(buffer, `step ${step}: ${guest.name} reads ${file} [${at}, +${length})`).toEqual(
            expected.subarray(at, at + length),
          );
        }
      }
    }
    const after = (await (await fetch(`${host.dom0.httpUrl}/api/cache`)).json()) as { evictions: number };
    // The run is only worth something if dom0 really took frames back, and cow guests wrote
    // pages they held (each such write took the fault and left them a private frame).
    expect(after.evictions).toBeGreaterThan(before.evictions);
    expect(guests.filter((g) => g.own).reduce((sum, g) => sum + g.faults(), 0)).toBeGreaterThan(0);
    expect((guests.find((g) => !g.own) as Guest).faults()).toBe(0);
  }, 240_000);
});

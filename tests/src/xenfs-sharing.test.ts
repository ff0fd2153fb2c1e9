// N guests read the same file through a real hypervisor and dom0. Shared mode: the machine frames
// in use grow by the file's pages once, whatever N. Copy mode: once for dom0's cache and once
// more for every guest's own copy. Counts are exact, from the hypervisor's /api/memory. The same
// on both memory transports: the ledger does not depend on how domains reach the bytes.
import { type DomuClient, startDomuClient } from "@xenfs/domu-client";
import type { MemoryView } from "@xenfs/testkit";
import { CLUSTER_TOKEN } from "@xenfs/testkit";
import { startGuestProcess, startXenfsHost, type XenfsHost } from "@xenfs/testkit-xenfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filePattern, pagesOf } from "./fixtures/file-pattern.js";

type Mode = "shared" | "copy";
const CASES = ["shared", "copy", "processes"] as const;
type Case = (typeof CASES)[number];
const FILE_BYTES = 1024 * 1024;
const FILE_PAGES = pagesOf(FILE_BYTES);
const GUEST_COUNTS = [1, 3, 8];
/** Read by every guest before measuring: takes dom0's attribute page and a guest's argument page. */
const WARM_UP = "warm-up.bin";

/** Each case reads a file of its own, so dom0's cache fills it from disk within the case. */
const caseFile = (kind: Case, guests: number) => `${kind}-${guests}.bin`;
const contentOf = (kind: Case, guests: number) =>
  filePattern(FILE_PAGES, (CASES.indexOf(kind) + 1) * 100 + guests);

/**
 * Frames the first read of the file by `guests` guests adds. dom0 fills one cache frame per
 * page, once; a shared guest maps those frames and owns none; a copy guest fills a frame of its
 * own per page. Nothing else: each guest's ring, dom0's bounce frame for it, its argument page and
 * dom0's attribute page were all taken at mount and warm-up, before the measurement.
 */
function framesAddedByRead(mode: Mode, guests: number, filePages: number): number {
  return filePages + (mode === "copy" ? guests * filePages : 0);
}

const domainOf = (memory: MemoryView, domid: number) => {
  const domain = memory.domains.find((d) => d.domid === domid);
  if (!domain) throw new Error(`domain ${domid} is not in /api/memory`);
  return domain;
};

describe.sequential.each(["shm", "socket"] as const)(
  "N guests reading one file: machine frames in use (%s transport)",
  (transport) => {
    let host: XenfsHost;
    // Guests stay until the end: a guest that got a domid just given up can miss its XenFS backend
    // (dom0's xenbus backend keys devices by domid), which would make the counts of this test wrong.
    const guests: DomuClient[] = [];

    beforeAll(async () => {
      const files: Record<string, Uint8Array> = { [WARM_UP]: filePattern(1, 1) };
      for (const kind of CASES) {
        for (const count of GUEST_COUNTS) files[caseFile(kind, count)] = contentOf(kind, count);
      }
      host = await startXenfsHost({ files, memoryMb: 64, cacheMb: 32, transport });
      // A first guest takes what dom0 allocates once for the host (the warm-up page in its cache,
      // its first attribute page), so every case below starts from the same kind of state.
      const [primer] = await startGuests("primer", "shared", 1);
      await primer?.mount.readFile(WARM_UP);
    }, 120_000);
    afterAll(async () => {
      await Promise.all(guests.map((guest) => guest.close()));
      await host?.stop();
    });

    async function startGuests(prefix: string, mode: Mode, count: number): Promise<DomuClient[]> {
      const started = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          startDomuClient({
            hypervisorUrl: host.hv.url,
            clusterToken: CLUSTER_TOKEN,
            name: `${prefix}-${i + 1}`,
            mode,
            port: 0,
            memoryTransport: transport,
          }),
        ),
      );
      guests.push(...started);
      return started;
    }

    describe.each(["shared", "copy"] as const)("%s mode, guests in this process", (mode) => {
      it.each(GUEST_COUNTS)("%i guest(s)", async (count) => {
        const readers = await startGuests(`${mode}-${count}`, mode, count);
        for (const reader of readers) await reader.mount.readFile(WARM_UP);
        const before = await host.memory();

        const file = caseFile(mode, count);
        const contents = await Promise.all(readers.map((reader) => reader.mount.readFile(file)));
        for (const content of contents) expect(content.equals(contentOf(mode, count))).toBe(true);
        const after = await host.memory();

        expect(after.frames.used - before.frames.used).toBe(framesAddedByRead(mode, count, FILE_PAGES));
        // Shared: every page of the file is one frame mapped by the guests. Copy: nothing mapped.
        expect(after.frames.shared - before.frames.shared).toBe(mode === "shared" ? FILE_PAGES : 0);
        expect(domainOf(after, 0).frames - domainOf(before, 0).frames).toBe(FILE_PAGES);
        for (const { domid } of readers) {
          const owned = domainOf(after, domid).frames - domainOf(before, domid).frames;
          const mapped = domainOf(after, domid).mapped - domainOf(before, domid).mapped;
          expect({ owned, mapped }).toEqual(
            mode === "shared" ? { owned: 0, mapped: FILE_PAGES } : { owned: FILE_PAGES, mapped: 0 },
          );
        }
      });
    });

    it("3 guests as separate processes, reading through their admin API, share one copy", async () => {
      const count = 3;
      const readers = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          startGuestProcess(host.hv.url, `process-${i + 1}`, "shared", transport),
        ),
      );
      try {
        for (const reader of readers) await reader.read(WARM_UP);
        const before = await host.memory();
        const heldBefore = await Promise.all(readers.map((reader) => reader.mount()));
        const file = caseFile("processes", count);
        const contents = await Promise.all(readers.map((reader) => reader.read(file)));
        for (const content of contents) expect(content.equals(contentOf("processes", count))).toBe(true);
        const after = await host.memory();

        expect(after.frames.used - before.frames.used).toBe(framesAddedByRead("shared", count, FILE_PAGES));
        expect(after.frames.shared - before.frames.shared).toBe(FILE_PAGES);
        for (const [i, reader] of readers.entries()) {
          expect(domainOf(after, reader.domid).mapped - domainOf(before, reader.domid).mapped).toBe(
            FILE_PAGES,
          );
          expect((await reader.mount()).pagesHeld - (heldBefore[i]?.pagesHeld ?? 0)).toBe(FILE_PAGES);
        }
      } finally {
        await Promise.all(readers.map((reader) => reader.process.kill("SIGTERM")));
      }
    }, 120_000);
  },
);

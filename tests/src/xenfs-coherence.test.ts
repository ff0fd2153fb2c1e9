// Guest A writes, guest B reads — A and B separate processes: once A's write is acknowledged, B
// reads the new bytes, also when B already held the file's old pages (shared mode: dom0's frames,
// mapped; copy mode: B's own copies). On both memory transports.
//
// And two shared-mode guests in one process, A writing and B reading right after A's write is
// acknowledged. On shm B reads the very frames dom0 wrote: the new bytes, every time. On the
// socket transport B reads its copy, and the frame_update that brings it up to date travels on
// B's own socket, which nothing orders against A's: B may read old bytes until that socket has
// caught up (the limit docs/memory-transports.md describes), never anything else.
import { type DomuClient, startDomuClient } from "@xenfs/domu-client";
import { CLUSTER_TOKEN } from "@xenfs/testkit";
import { type GuestProcess, startGuestProcess, startXenfsHost, type XenfsHost } from "@xenfs/testkit-xenfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filePattern } from "./fixtures/file-pattern.js";

const FILE = "coherent.bin";
const FILE_PAGES = 16;

const TRANSPORTS = ["shm", "socket"] as const;

describe.sequential.each(TRANSPORTS)(
  "a write by one guest process, read by others (%s transport)",
  (transport) => {
    let host: XenfsHost;
    let writer: GuestProcess;
    let sharedReader: GuestProcess;
    let copyReader: GuestProcess;

    beforeAll(async () => {
      const files = { [FILE]: filePattern(FILE_PAGES, 1) };
      host = await startXenfsHost({ files, memoryMb: 32, cacheMb: 8, transport });
      [writer, sharedReader, copyReader] = await Promise.all([
        startGuestProcess(host.hv.url, "writer", "shared", transport),
        startGuestProcess(host.hv.url, "shared-reader", "shared", transport),
        startGuestProcess(host.hv.url, "copy-reader", "copy", transport),
      ]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([writer, sharedReader, copyReader].map((guest) => guest?.process.kill("SIGTERM")));
      await host?.stop();
    });

    it("readers holding the old pages see every byte of an acknowledged rewrite", async () => {
      for (const reader of [sharedReader, copyReader]) {
        expect((await reader.read(FILE)).equals(filePattern(FILE_PAGES, 1))).toBe(true);
        expect((await reader.mount()).pagesHeld).toBeGreaterThanOrEqual(FILE_PAGES);
      }
      const localBefore = (await sharedReader.mount()).readsLocal;

      await writer.write(FILE, filePattern(FILE_PAGES, 2));

      for (const reader of [sharedReader, copyReader]) {
        expect((await reader.read(FILE)).equals(filePattern(FILE_PAGES, 2))).toBe(true);
      }
      // The shared reader read the pages it held (no map request): the bytes came by coherence.
      expect((await sharedReader.mount()).readsLocal).toBe(localBefore + 1);
    });

    it("readers see a rewrite that shrinks the file", async () => {
      await writer.write(FILE, Buffer.from("short now"));
      for (const reader of [sharedReader, copyReader]) {
        expect((await reader.read(FILE)).toString()).toBe("short now");
      }
    });

    it("readers see a file another guest created", async () => {
      await writer.write("created.txt", Buffer.from("made by the writer"));
      for (const reader of [sharedReader, copyReader]) {
        expect((await reader.read("created.txt")).toString()).toBe("made by the writer");
      }
    });
  },
);

describe.sequential.each(TRANSPORTS)(
  "guest B reads right after guest A's acknowledged write (%s transport)",
  (transport) => {
    const TRIALS = 200;
    let host: XenfsHost;
    let a: DomuClient;
    let b: DomuClient;

    beforeAll(async () => {
      host = await startXenfsHost({
        files: { "race.txt": Buffer.from("value 0") },
        memoryMb: 32,
        cacheMb: 8,
        transport,
      });
      const start = (name: string) =>
        startDomuClient({
          hypervisorUrl: host.hv.url,
          clusterToken: CLUSTER_TOKEN,
          name,
          mode: "shared",
          port: 0,
          memoryTransport: transport,
        });
      [a, b] = await Promise.all([start("race-a"), start("race-b")]);
      await b.mount.readFile("race.txt"); // B holds the page from here on
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await host?.stop();
    });

    it(`B's read sees A's write (${TRIALS} trials)`, async () => {
      let stale = 0;
      for (let i = 1; i <= TRIALS; i++) {
        const value = `value ${i}`;
        await a.mount.writeFile("race.txt", value);
        let seen = (await b.mount.readFile("race.txt")).toString();
        // Socket: B's copy catches up once its own socket has delivered the update; yield to I/O.
        for (let spins = 0; transport === "socket" && seen !== value && spins < 10_000; spins++) {
          stale++;
          await new Promise((resolve) => setImmediate(resolve));
          seen = (await b.mount.readFile("race.txt")).toString();
        }
        expect(seen).toBe(value);
      }
      if (transport === "shm") expect(stale).toBe(0);
    });
  },
);

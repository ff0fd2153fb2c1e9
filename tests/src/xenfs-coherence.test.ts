// Guest A writes, guest B reads — A and B separate processes: once A's write is acknowledged, B
// reads the new bytes, also when B already held the file's old pages (shared mode: dom0's frames,
// mapped; copy mode: B's own copies).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filePattern } from "./fixtures/file-pattern.js";
import { type GuestProcess, startGuestProcess } from "./support/guest-process.js";
import { startXenfsHost, type XenfsHost } from "./support/xenfs-host.js";

const FILE = "coherent.bin";
const FILE_PAGES = 16;

describe.sequential("a write by one guest process, read by others", () => {
  let host: XenfsHost;
  let writer: GuestProcess;
  let sharedReader: GuestProcess;
  let copyReader: GuestProcess;

  beforeAll(async () => {
    host = await startXenfsHost({ [FILE]: filePattern(FILE_PAGES, 1) }, { memoryMb: 32, cacheMb: 8 });
    [writer, sharedReader, copyReader] = await Promise.all([
      startGuestProcess(host.hv.url, "writer", "shared"),
      startGuestProcess(host.hv.url, "shared-reader", "shared"),
      startGuestProcess(host.hv.url, "copy-reader", "copy"),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([writer, sharedReader, copyReader].map((guest) => guest?.process.kill("SIGTERM")));
    await host?.close();
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
});

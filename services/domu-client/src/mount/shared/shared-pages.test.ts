// Reads in shared mode racing with another guest's replace (O_TRUNC, then the bytes) on a real
// host: a read gives bytes of the file as it was at some moment — never zeros past its end, never
// EIO because pages moved under it — and a file made on a recycled inode number is a new file.
import { stat as statLocal, writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../../test/xenfs-host.js";

const SIZE = 3 * 4096 + 100;
const PAGE = 4096;

/** Pages of `bytes` that are all zeros (no version written here has one). */
function zeroPages(bytes: Buffer): number[] {
  const zeros: number[] = [];
  for (let at = 0; at < bytes.length; at += PAGE) {
    if (bytes.subarray(at, at + PAGE).every((b) => b === 0)) zeros.push(at / PAGE);
  }
  return zeros;
}

async function setDiskFaults(host: TestHost, spec: string): Promise<void> {
  const response = await fetch(`${host.dom0.httpUrl}/api/faults/disk`, {
    method: "PUT",
    body: JSON.stringify({ spec }),
  });
  expect(response.status).toBe(200);
}

describe("shared reads racing with a replace", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("never returns zeros past the end while another guest truncates and rewrites the file", async () => {
    const writer = await host.guest("zeros-writer", "shared");
    const reader = await host.guest("zeros-reader", "shared");
    await writeLocal(join(host.exportDir, "replaced.bin"), pattern(SIZE, 1));
    const handle = await reader.fs.open("replaced.bin", "r");
    try {
      const buffer = Buffer.alloc(SIZE);
      expect((await handle.read(buffer, 0, SIZE, 0)).bytesRead).toBe(SIZE); // pages now held
      const bad: string[] = [];
      let reads = 0;
      for (let round = 0; round < 20; round++) {
        let done = false;
        const replacing = writer.fs.writeFile("replaced.bin", pattern(SIZE, 2 + (round % 2))).finally(() => {
          done = true;
        });
        while (!done) {
          const { bytesRead } = await handle.read(buffer.fill(7), 0, SIZE, 0);
          reads += 1;
          const zeros = zeroPages(buffer.subarray(0, bytesRead));
          if (zeros.length > 0) bad.push(`round ${round}: ${bytesRead} bytes, zero pages ${zeros}`);
          await turn();
        }
        await replacing;
      }
      expect(reads).toBeGreaterThan(20);
      expect(bad).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it("answers a read with the file's bytes or its new length while a replace waits on the disk, never EIO", async () => {
    const slow = await host.guest("eio-slow", "shared");
    const replacer = await host.guest("eio-replacer", "shared");
    const reader = await host.guest("eio-reader", "shared");
    await writeLocal(join(host.exportDir, "slow.bin"), pattern(SIZE, 4));
    // Open, so its size is in the reader's attribute record; no page of it held yet.
    const handle = await reader.fs.open("slow.bin", "r");
    const slowHandle = await slow.fs.open("slow.bin", "r+");
    try {
      // A write whose fdatasync takes 1.5 s holds the file's lock; a replace comes in behind it.
      await setDiskFaults(host, "slow_fsync=1500ms:path=slow.bin");
      const writing = slowHandle.write(pattern(SIZE, 4), 0, SIZE, 0);
      await sleep(200);
      const replacing = replacer.fs.writeFile("slow.bin", pattern(SIZE, 5));
      await sleep(200);
      const buffer = Buffer.alloc(SIZE);
      const { bytesRead } = await handle.read(buffer, 0, SIZE, 0);
      const got = buffer.subarray(0, bytesRead);
      // The old bytes (read before the replace truncated it), or nothing (after).
      if (bytesRead > 0) expect(got.equals(pattern(SIZE, 4))).toBe(true);
      await writing;
      await replacing;
      await setDiskFaults(host, "");
      const after = await handle.read(buffer, 0, SIZE, 0);
      expect(buffer.subarray(0, after.bytesRead).equals(pattern(SIZE, 5))).toBe(true);
    } finally {
      await setDiskFaults(host, "");
      await slowHandle.close();
      await handle.close();
    }
  });

  it("writes a new file on the inode number a renamed-over file gave back (no EINVAL)", async () => {
    const renamer = await host.guest("reuse-renamer", "shared");
    const reader = await host.guest("reuse-reader", "shared");
    await renamer.fs.writeFile("key.bin", pattern(SIZE, 6));
    await renamer.fs.writeFile("key.bin.tmp", pattern(SIZE, 7));
    const inodes = new Set<bigint>();
    let reused = 0;
    for (let version = 7; version < 37; version++) {
      // The reader has dom0 cache the key's pages (and closes it, so nothing holds the inode);
      // the rename unlinks that inode, and the next staging file, made at once, gets its number
      // back (ext4 hands out the lowest free one).
      const handle = await reader.fs.open("key.bin", "r");
      const buffer = Buffer.alloc(SIZE);
      await handle.read(buffer, 0, SIZE, 0);
      await handle.close();
      expect(buffer.equals(pattern(SIZE, version - 1))).toBe(true);
      inodes.add((await statLocal(join(host.exportDir, "key.bin"), { bigint: true })).ino);
      await renamer.fs.rename("key.bin.tmp", "key.bin");
      await renamer.fs.writeFile("key.bin.tmp", pattern(SIZE, version + 1));
      if (inodes.has((await statLocal(join(host.exportDir, "key.bin.tmp"), { bigint: true })).ino))
        reused += 1;
    }
    expect((await reader.fs.readFile("key.bin")).equals(pattern(SIZE, 36))).toBe(true);
    expect(reused).toBeGreaterThan(0);
  });
});

// dom0 killed with SIGKILL under a guest that is writing, then started again: the new dom0 takes
// over at once (the old one's lease is far longer than the test), the guest's frontend re-issues
// what was in flight and reopens its files, and every write (and unlink) ends in success, with
// its bytes on disk.
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HypervisorProcess, startHypervisorProcess } from "@xenfs/testkit";
import type { JsonLinesProcess } from "@xenfs/testkit/process";
import { type Dom0Dirs, type GuestProcess, startDom0Process, startGuestProcess } from "@xenfs/testkit-xenfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WRITERS = 3;
/** Bytes per file: several pages, so a write is more than one request. */
const FILE_BYTES = 3 * 4096 + 100;

function contentOf(name: string): Buffer {
  const bytes = Buffer.alloc(FILE_BYTES);
  const seed = [...name].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed + i * 13 + (i >> 9)) & 0xff;
  return bytes;
}

describe.sequential("a dom0 killed with SIGKILL under a writing guest", () => {
  let base: string;
  let dirs: Dom0Dirs;
  let hv: HypervisorProcess;
  let dom0: JsonLinesProcess;
  let guest: GuestProcess;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "xenfs-dom0-kill-"));
    dirs = { exportDir: join(base, "export"), stateDir: join(base, "state") };
    await mkdir(dirs.exportDir);
    // A lease of ten minutes: only the takeover lets the restarted dom0 in within the test.
    hv = await startHypervisorProcess({ XEN_MEMORY_MB: 64, XEN_SESSION_LEASE_MS: 600_000 });
    dom0 = await startDom0Process(hv.url, dirs);
    // Patient enough for a dom0 that takes long to start on a loaded machine.
    guest = await startGuestProcess(hv.url, "writer", "shared", undefined, {
      XENFS_REQUEST_TIMEOUT_MS: 120_000,
    });
  }, 180_000);
  afterAll(async () => {
    await guest?.process.kill("SIGTERM");
    await dom0?.kill("SIGTERM");
    await hv?.process.kill();
    await rm(base, { recursive: true, force: true });
  });

  it("every write in flight or after ends in success, and every acknowledged write is on disk", async () => {
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `f-${w}-${String(i).padStart(5, "0")}.bin`;
        const scratch = `scratch-${w}.tmp`;
        try {
          await guest.write(name, contentOf(name));
          acknowledged.push(name);
          // A non-idempotent op in flight too: a re-issued unlink is answered from dom0's reply
          // cache if the first attempt ran, so it succeeds rather than finding nothing (ENOENT).
          await guest.write(scratch, Buffer.from(name));
          await guest.remove(scratch);
        } catch (error) {
          failures.push(`${name}: ${(error as Error).message}`);
        }
      }
    };
    const until = async (count: number) => {
      while (acknowledged.length < count && failures.length === 0)
        await new Promise((r) => setTimeout(r, 10));
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    await until(10);
    await dom0.kill("SIGKILL");
    const beforeRestart = acknowledged.length;
    dom0 = await startDom0Process(hv.url, dirs);
    await until(beforeRestart + 20);
    stop = true;
    await Promise.all(writers);

    expect(failures).toEqual([]);
    for (const name of acknowledged) {
      expect((await readFile(join(dirs.exportDir, name))).equals(contentOf(name)), name).toBe(true);
    }
    expect((await readdir(dirs.exportDir)).filter((name) => name.startsWith("scratch-"))).toEqual([]);
  }, 180_000);
});

// XenFS under a moving guest (docs/migration.md#xenfs-frontend), on real hosts: two hypervisor
// processes, each with its dom0 process, both exporting the same directory (as `pnpm start --
// --hosts 2` runs them). A guest process keeps data in its own frames and keeps writing records
// and files and reading a file (through a handle and a shared mmap) while it is saved and
// restored on host a, then migrated live to host b. Afterwards: no call failed, every read was
// right, every acknowledged record and file is on disk, and its frames hold what it wrote.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { XenfsMode } from "@xenfs/domu-client";
import {
  CLUSTER_TOKEN,
  DOM0_TOKEN,
  type HypervisorProcess,
  JsonLinesProcess,
  startHypervisorProcess,
  TEST_MEMORY_TRANSPORT,
} from "@xenfs/testkit";
import { startDom0Process } from "@xenfs/testkit-xenfs";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_FILE, dataBytes, RECORD_BYTES, record } from "../fixtures/xenfs-records.js";
import { captureIo } from "../toolstack/host.js";

interface Host {
  readonly hv: HypervisorProcess;
  readonly dom0: JsonLinesProcess;
}

interface Checked {
  domid: number;
  url: string;
  state: string;
  differ: number[];
  acked: number;
  reads: number;
  badReads: number;
  errors: string[];
  longestStallMs: number;
  moves: { suspends: number; lastDowntimeMs: number | null; longestStallMs: number };
}

async function startHost(exportDir: string, stateDir: string): Promise<Host> {
  const hv = await startHypervisorProcess({ XEN_MEMORY_MB: 64, XEN_SESSION_LEASE_MS: 2_000 });
  try {
    const dom0 = await startDom0Process(
      hv.url,
      { exportDir, stateDir },
      { XENFS_CACHE_MB: 8, XEN_MEMORY_TRANSPORT: TEST_MEMORY_TRANSPORT },
    );
    return { hv, dom0 };
  } catch (error) {
    await hv.stop();
    throw error;
  }
}

describe.each<XenfsMode>(["shared", "copy"])(
  "a XenFS guest saved, restored and migrated (%s mode)",
  (mode) => {
    let dir: string;
    let exportDir: string;
    let a: Host;
    let b: Host;
    let guest: JsonLinesProcess;
    const name = `mover-${mode}`;

    async function xl(host: Host, args: string[]) {
      const captured = captureIo({ XEN_HYPERVISOR_HTTP: host.hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
      const status = await runXl(args, captured.io);
      return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
    }
    async function check(): Promise<Checked> {
      guest.send({ cmd: "check" });
      const got = await guest.waitFor<Checked>(
        "checked",
        (m) => m.event === "checked" || m.event === "error",
      );
      if (got.event === "error") throw new Error(`the guest failed: ${got["message"]}`);
      return got;
    }
    /** The guest process attached to its restored domain. */
    const attached = () => guest.waitFor("attached", (m) => m.msg === "attached to the restored domain");
    /** Checks until the device is connected and the workload has written and read more since `after`. */
    async function progressed(after: Checked): Promise<Checked> {
      for (;;) {
        const now = await check();
        if (now.errors.length > 0) return now;
        if (now.state === "Connected" && now.acked > after.acked + 5 && now.reads > after.reads + 5)
          return now;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "xenfs-migrate-"));
      exportDir = join(dir, "export");
      await mkdir(exportDir);
      await writeFile(join(exportDir, DATA_FILE), dataBytes());
      a = await startHost(exportDir, join(dir, "state-a"));
      b = await startHost(exportDir, join(dir, "state-b"));
      guest = JsonLinesProcess.start(name, "tests/src/fixtures/xenfs-migrant.ts", {
        XEN_HYPERVISOR_URL: a.hv.url,
        XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
        XEN_MEMORY_TRANSPORT: TEST_MEMORY_TRANSPORT,
        XENFS_MODE: mode,
        GUEST_NAME: name,
        GUEST_FRAMES: "32",
      });
    }, 180_000);
    afterAll(async () => {
      await guest?.kill();
      for (const host of [a, b]) {
        await host?.dom0.stop();
        await host?.hv.stop();
      }
      await rm(dir, { recursive: true, force: true });
    });

    it("keeps its workload going with no error and no lost acknowledged write", async () => {
      const joined = await guest.event<{ domid: number }>("joined", 120_000);
      const before = await progressed(await check());
      expect(before).toMatchObject({ errors: [], badReads: 0, differ: [], state: "Connected" });

      const image = join(dir, "guest.img");
      expect(await xl(a, ["save", name, image])).toMatchObject({ status: 0, stderr: "" });
      expect(await xl(a, ["restore", image])).toMatchObject({ status: 0, stderr: "" });
      await attached();
      const restored = await progressed(before);
      expect(restored).toMatchObject({ url: a.hv.url, errors: [], badReads: 0, differ: [] });
      expect(restored.domid).not.toBe(joined.domid);
      expect(restored.moves.suspends).toBe(1);

      const moved = await xl(a, ["migrate", name, b.hv.httpUrl]);
      if (moved.status !== 0) await check(); // says why, if the guest failed
      expect(moved).toMatchObject({ status: 0, stderr: "" });
      await attached();
      const after = await progressed(restored);
      expect(after).toMatchObject({ url: b.hv.url, state: "Connected", errors: [], badReads: 0, differ: [] });
      expect(after.moves.suspends).toBe(2);
      expect(after.moves.lastDowntimeMs).not.toBeNull();

      guest.send({ cmd: "stop" });
      const stopped = await guest.event<{
        acked: number;
        files: string[];
        errors: string[];
        differ: number[];
      }>("stopped");
      expect(stopped).toMatchObject({ errors: [], differ: [] });
      // Every acknowledged record is on the shared disk, where either host's dom0 reads it.
      const log = await readFile(join(exportDir, `${name}.log`));
      expect(log.length).toBeGreaterThanOrEqual(stopped.acked * RECORD_BYTES);
      const missing: number[] = [];
      for (let n = 0; n < stopped.acked; n++) {
        if (!log.subarray(n * RECORD_BYTES, (n + 1) * RECORD_BYTES).equals(record(name, n))) missing.push(n);
      }
      expect(missing).toEqual([]);
      for (const file of stopped.files) {
        const n = Number(file.split("/")[1]?.replace(".txt", ""));
        expect(await readFile(join(exportDir, file), "utf8")).toBe(`record ${n} of ${name}\n`);
      }
    }, 240_000);
  },
);

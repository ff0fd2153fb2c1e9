// A guest process that keeps data in its own frames and keeps calling, across xl save + xl
// restore on one host and then xl migrate to a second: it suspends, its calls wait, it attaches
// to the restored domain (new domid), then to the target hypervisor, and its frames hold the same
// bytes with no call failed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hypervisor } from "@xenfs/hypervisor";
import { CLUSTER_TOKEN, DOM0_TOKEN, JsonLinesProcess, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../toolstack/host.js";

interface Checked {
  domid: number;
  url: string;
  differ: number[];
  calls: number;
  failures: number;
}

describe.each(TRANSPORTS)("a guest process across save, restore and migrate (%s transport)", (transport) => {
  let a: Hypervisor;
  let b: Hypervisor;
  let guest: JsonLinesProcess;
  let dir: string;
  const name = `process-${transport}`;

  async function xl(hv: Hypervisor, args: string[]) {
    const captured = captureIo({ XEN_HYPERVISOR_HTTP: hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    const status = await runXl(args, captured.io);
    return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
  }
  async function check(): Promise<Checked> {
    guest.send({ cmd: "check" });
    return guest.event<Checked>("checked");
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "migrant-"));
    a = await startTestHypervisor();
    b = await startTestHypervisor();
    guest = JsonLinesProcess.start("migrant", "tests/src/fixtures/migrant.ts", {
      XEN_HYPERVISOR_URL: a.url,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      XEN_MEMORY_TRANSPORT: transport,
      GUEST_NAME: name,
      GUEST_FRAMES: "32",
    });
  });
  afterAll(async () => {
    await guest?.kill();
    await a?.close();
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps its frames and its calls through xl save, xl restore and xl migrate", async () => {
    const joined = await guest.event<{ domid: number; transport: string }>("joined");
    expect(joined.transport).toBe(transport);
    const before = await check();
    expect(before).toMatchObject({ differ: [], failures: 0 });

    const file = join(dir, "guest.img");
    expect(await xl(a, ["save", name, file])).toMatchObject({ status: 0, stderr: "" });
    await guest.event("suspended");
    expect(await xl(a, ["restore", file])).toMatchObject({ status: 0, stderr: "" });
    const restored = await guest.event<{ domid: number; previous: number }>("attached");
    expect(restored.previous).toBe(joined.domid);
    expect(restored.domid).not.toBe(joined.domid);
    const afterRestore = await check();
    expect(afterRestore).toMatchObject({ domid: restored.domid, differ: [], failures: 0 });
    expect(afterRestore.calls).toBeGreaterThan(before.calls);

    expect(await xl(a, ["migrate", name, b.httpUrl])).toMatchObject({ status: 0, stderr: "" });
    const moved = await guest.event<{ domid: number; url: string }>("attached");
    expect(moved.url).toBe(b.url);
    const afterMove = await check();
    expect(afterMove).toMatchObject({ url: b.url, differ: [], failures: 0 });
    expect(afterMove.calls).toBeGreaterThan(afterRestore.calls);
  });
});

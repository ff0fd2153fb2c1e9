// xl remus between two hosts (in-process hypervisors): what it refuses, output commit (an answer
// waits for the checkpoint of its epoch), xl remus-stop (the backup drops its copy and never
// activates it), and a backup that goes away (protection ends, held outputs are released).

import { once } from "node:events";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { DOM0_TOKEN, joinGuest, startTestHypervisor, until } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureIo } from "../toolstack/host.js";

interface Pair {
  state: string;
  committed: number;
  heldBytes?: number;
  name?: string;
  activated?: unknown;
}

async function remusStatus(hv: Hypervisor): Promise<{ primaries: Pair[]; backups: Pair[] }> {
  const res = await fetch(`${hv.httpUrl}/api/remus`, { headers: { authorization: `Bearer ${DOM0_TOKEN}` } });
  return (await res.json()) as { primaries: Pair[]; backups: Pair[] };
}

describe("xl remus", () => {
  let a: Hypervisor;
  let b: Hypervisor | undefined;
  let guest: XenDomain;

  async function xl(args: string[]) {
    const captured = captureIo({ XEN_HYPERVISOR_HTTP: a.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    const status = await runXl(args, captured.io);
    return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
  }

  beforeEach(async () => {
    a = await startTestHypervisor();
    b = await startTestHypervisor();
    guest = await joinGuest(a, "protected");
    await guest.memory.populatePhysmap(4);
  });
  let aClosed = false;
  afterEach(async () => {
    await guest?.close();
    if (!aClosed) await a?.close();
    aClosed = false;
    await b?.close();
  });

  it("refuses bad arguments with a clear error and protects nothing", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["remus", "protected", "ftp://x"], /not an http:\/\/ URL/],
      [["remus", "protected", b!.httpUrl, "--interval", "0"], /--interval must be/],
      [["remus", "protected", b!.httpUrl, "--interval", "100", "--heartbeat", "150"], /--heartbeat must be/],
      [["remus", "nosuch", b!.httpUrl], /nosuch/],
      [["remus", "protected", b!.httpUrl, "--token", "wrong"], /EIO|EPERM|403/],
    ];
    for (const [args, message] of cases) {
      const run = await xl(args);
      expect({ args, status: run.status }).toEqual({ args, status: 1 });
      expect(run.stderr).toMatch(message);
    }
    expect((await remusStatus(b!)).backups).toEqual([]);
    expect(guest.remus.state.protected).toBe(false);
    // Still protectable once asked properly; twice is refused.
    expect(await xl(["remus", "protected", b!.httpUrl])).toMatchObject({ status: 0, stderr: "" });
    const again = await xl(["remus", "protected", b!.httpUrl]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/EBUSY/);
  });

  it("holds an answer until the checkpoint of its epoch is committed on the backup", async () => {
    expect(await xl(["remus", "protected", b!.httpUrl, "--interval", "200"])).toMatchObject({ status: 0 });
    await until("protected", async () => guest.remus.state.protected);
    const [gpfn] = await guest.memory.populatePhysmap(1);
    for (let i = 0; i < 5; i++) {
      await guest.memory.write(gpfn!, 0, new Uint8Array(XEN_PAGE_SIZE).fill(i + 1));
      const epoch = guest.remus.state.epoch;
      expect(guest.remus.state.committed).toBeLessThan(epoch);
      await guest.remus.commit();
      expect(guest.remus.state.committed).toBeGreaterThanOrEqual(epoch);
      expect((await remusStatus(b!)).backups[0]!.committed).toBeGreaterThanOrEqual(epoch);
    }
    const { primaries } = await remusStatus(a);
    expect(primaries[0]).toMatchObject({ state: "protecting", name: "protected" });
  });

  it("remus-stop: the backup drops its copy and does not activate it when the primary goes quiet", async () => {
    expect(await xl(["remus", "protected", b!.httpUrl, "--heartbeat", "200"])).toMatchObject({ status: 0 });
    await until("a few checkpoints", async () => (await remusStatus(b!)).backups[0]!.committed >= 3);
    // The backup holds a copy of the guest's memory (its 4 pages at least) while it receives…
    expect((await remusStatus(b!)).backups[0]!.heldBytes).toBeGreaterThanOrEqual(4 * XEN_PAGE_SIZE);
    const stop = await xl(["remus-stop", "protected"]);
    expect(stop).toMatchObject({ status: 0, stderr: "" });
    expect(stop.stdout).toMatch(/^Remus ended for domain \d+: \d+ checkpoints committed/);
    // …and lets it go when the pair ends, keeping only what the status says.
    expect((await remusStatus(b!)).backups[0]).toMatchObject({
      state: "ended",
      heldBytes: 0,
      name: "protected",
    });
    // Well past the heartbeat: still nothing activated, and the guest's answers go at once.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await remusStatus(b!)).backups[0]).toMatchObject({ state: "ended" });
    expect((await (await fetch(`${b!.httpUrl}/api/domains`)).json()) as unknown[]).toEqual([]);
    expect(guest.remus.state.protected).toBe(false);
    await guest.remus.commit();
  });

  it("a backup that goes away ends protection: the guest runs on and its held answers are released", async () => {
    expect(
      await xl(["remus", "protected", b!.httpUrl, "--interval", "50", "--heartbeat", "200"]),
    ).toMatchObject({
      status: 0,
    });
    await until("protected", async () => guest.remus.state.protected);
    await b!.close();
    b = undefined;
    const [gpfn] = await guest.memory.populatePhysmap(1);
    await guest.memory.write(gpfn!, 0, Uint8Array.of(7));
    await guest.remus.commit();
    await until("backup lost", async () => (await remusStatus(a)).primaries[0]!.state === "backup-lost");
    expect(guest.remus.state.protected).toBe(false);
    expect(await guest.memory.read(gpfn!, 0, 1)).toEqual(Uint8Array.of(7));
  });

  it("--follow reports checkpoints, then the failover when the primary goes; the guest runs on at the backup", async () => {
    const [gpfn] = await guest.memory.populatePhysmap(1);
    await guest.memory.write(gpfn!, 0, Uint8Array.of(42));
    await guest.remus.commit();
    const following = xl(["remus", "protected", b!.httpUrl, "--heartbeat", "300", "--follow"]);
    await until("a checkpoint line", async () => ((await remusStatus(b!)).backups[0]?.committed ?? 0) >= 30);
    const attached = once(guest.session, "attached");
    await a.close();
    aClosed = true;
    const run = await following;
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stdout).toMatch(
      /^checkpoint \d+ committed: paused [\d.]+ ms, \d+ pages \(\d+ bytes\), committed in [\d.]+ ms$/m,
    );
    expect(run.stdout).toMatch(/^primary unreachable; waiting for http\S+ to take over protected$/m);
    expect(run.stdout).toMatch(
      /^failover: domain \d+ \(protected\) activated on http\S+ from checkpoint \d+, \d+ ms after the primary's last word$/m,
    );
    await attached;
    expect(guest.session.url).toBe(b!.url);
    expect(await guest.memory.read(gpfn!, 0, 1)).toEqual(Uint8Array.of(42));
    await guest.memory.write(gpfn!, 0, Uint8Array.of(43));
    expect(await guest.memory.read(gpfn!, 0, 1)).toEqual(Uint8Array.of(43));
    // Activated into frames: the backup's copy of the memory is gone.
    expect((await remusStatus(b!)).backups[0]).toMatchObject({ state: "activated", heldBytes: 0 });
  });
});

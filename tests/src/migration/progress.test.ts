// A migration's and a save's progress (docs/migration.md#progress): xl draws a bar on a terminal
// and plain lines elsewhere; each host keeps what it sent and received (GET /api/migrations: the
// dashboard's table), and xl list names the host each domain runs on.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { DOM0_TOKEN, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../toolstack/host.js";

interface Departure {
  domid: number;
  name: string;
  kind: string;
  state: string;
  frames: number;
  bytes: number;
  rounds: { round: number; pages: number; suspended: boolean }[];
  totalMs?: number;
  suspendedMs?: number;
}
interface Arrival {
  domid: number;
  name: string;
  state: string;
  bytes: number;
  attachedAfterMs?: number;
}

const FRAMES = 256;

describe("progress of saves and migrations", () => {
  let a: Hypervisor;
  let b: Hypervisor;
  let guest: XenDomain;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "progress-"));
    a = await startTestHypervisor({ hostName: "host-a" });
    b = await startTestHypervisor({ hostName: "host-b" });
    guest = await joinGuest(a, "traveller");
    await guest.enableSuspend();
    const gpfns = await guest.memory.populatePhysmap(FRAMES);
    for (const gpfn of gpfns) await guest.memory.write(gpfn, 0, new Uint8Array(XEN_PAGE_SIZE).fill(gpfn));
  });
  afterAll(async () => {
    await guest?.close();
    await a?.close();
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const xl = async (hv: Hypervisor, args: string[], columns?: number) => {
    const captured = captureIo({ XEN_HYPERVISOR_HTTP: hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN }, columns);
    const status = await runXl(args, captured.io);
    // The terminal's escape character, written out so the expectations can name it.
    return {
      status,
      stdout: captured.stdout().toString().replaceAll("\u001b", "<ESC>"),
      stderr: captured.stderr(),
    };
  };
  const migrations = async (hv: Hypervisor) =>
    (await (await fetch(`${hv.httpUrl}/api/migrations`)).json()) as {
      departures: Departure[];
      arrivals: Arrival[];
    };
  const attached = () => new Promise((resolve) => guest.session.once("attached", resolve));

  it("xl list names the host of each domain", async () => {
    const { stdout } = await xl(a, ["list", "traveller"]);
    expect(stdout.split("\n")[0]).toMatch(/Time\(s\) {2}Host$/);
    expect(stdout.split("\n")[1]).toMatch(/ {2}host-a$/);
  });

  it("draws a bar for xl save and xl migrate on a terminal, and none elsewhere", async () => {
    const image = join(dir, "traveller.img");
    const saved = await xl(a, ["save", "traveller", image], 100);
    expect(saved).toMatchObject({ status: 0, stderr: "" });
    // Redrawn in place (\r, erase to the end of line), filled to 100%, then cleared.
    expect(saved.stdout).toMatch(/\r\[#{30}\] 100% \d+\.\d MiB written<ESC>\[K/);
    expect(saved.stdout).toMatch(/\r<ESC>\[KDomain \d+ saved: \d+ bytes\n$/);
    const restoredAt = attached();
    expect(await xl(a, ["restore", image])).toMatchObject({ status: 0, stderr: "" });
    await restoredAt;

    const movedAt = attached();
    const moved = await xl(a, ["migrate", "traveller", b.httpUrl], 100);
    await movedAt;
    expect(moved).toMatchObject({ status: 0, stderr: "" });
    expect(moved.stdout).toMatch(/\r\[[#-]{30}\] +\d+% round 0: every frame, \d+\.\d MiB sent<ESC>\[K/);
    // The bar's line cleared, the plain lines follow.
    expect(moved.stdout).toMatch(/\r<ESC>\[Kround 0: \d+ pages/);
    // Not a terminal: the plain lines only, no escape sequences.
    const back = attached();
    const plain = await xl(b, ["migrate", "traveller", a.httpUrl]);
    await back;
    expect(plain).toMatchObject({ status: 0, stderr: "" });
    expect(plain.stdout).not.toMatch(/\r|<ESC>/);
    expect(plain.stdout).toMatch(/^round 0: \d+ pages/m);
  });

  it("keeps what each host sent and received, with rounds, octets and the suspended time", async () => {
    const fromA = await migrations(a);
    expect(fromA.departures.map((d) => [d.kind, d.state])).toEqual([
      ["save", "sent"],
      ["migrate", "sent"],
    ]);
    const migrated = fromA.departures[1]!;
    expect(migrated).toMatchObject({ name: "traveller" });
    expect(migrated.frames).toBeGreaterThanOrEqual(FRAMES);
    expect(migrated.rounds[0]!.pages).toBeGreaterThanOrEqual(FRAMES);
    expect(migrated.rounds.at(-1)).toMatchObject({ suspended: true });
    expect(migrated.bytes).toBeGreaterThan(FRAMES * XEN_PAGE_SIZE);
    expect(migrated.suspendedMs).toBeGreaterThanOrEqual(0);
    expect(migrated.totalMs).toBeGreaterThanOrEqual(migrated.suspendedMs!);
    // a restored the saved image, then received the guest back from b.
    expect(fromA.arrivals.map((x) => x.state)).toEqual(["running", "running"]);
    const intoB = (await migrations(b)).arrivals;
    expect(intoB).toEqual([expect.objectContaining({ name: "traveller", state: "running" })]);
    expect(intoB[0]!.bytes).toBe(migrated.bytes);
    expect(intoB[0]!.attachedAfterMs).toBeGreaterThanOrEqual(0);
  });

  it("records a refused image as refused, and changes nothing", async () => {
    const refused = await fetch(`${b.httpUrl}/api/restore`, {
      method: "POST",
      headers: { authorization: `Bearer ${DOM0_TOKEN}` },
      body: new Uint8Array(16),
    });
    expect(refused.status).toBe(400);
    expect((await migrations(b)).arrivals.at(-1)).toMatchObject({ state: "refused", domid: -1 });
  });
});

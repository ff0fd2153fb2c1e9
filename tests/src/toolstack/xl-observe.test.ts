// xl dmesg, xl debug-keys and xl mem-set / mem-max against a real host: the console ring, Xen's
// 'g' dump of a grant another domain maps, and a guest whose libxen balloon driver follows
// memory/target up (populate_physmap) and down (decrease_reservation) to what it may give back.
import type { Balloon, BalloonStatus, XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo, startTestHost, type TestHost } from "./host.js";

let host: TestHost;
let dom0: XenDomain;

beforeAll(async () => {
  host = await startTestHost();
  dom0 = await host.join("Domain-0", DOM0_TOKEN);
  await dom0.grants.setup(1);
});
afterAll(() => host.stop());

async function xl(args: string[]) {
  const captured = captureIo(host.env);
  const status = await runXl(args, captured.io);
  return { status, stdout: captured.stdout().toString(), stderr: captured.stderr() };
}

describe("xl dmesg and xl debug-keys", () => {
  it("dmesg prints the console ring with Xen's (XEN) prefix; -c clears it", async () => {
    const first = await xl(["dmesg", "-c"]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^\(XEN\) \[ +\d+\.\d{6}\] hypervisor listening/m);
    expect((await xl(["dmesg"])).stdout).not.toMatch(/hypervisor listening/);
  });

  it("debug-keys g prints the grant-table dump, the mapped grant included, and leaves it in dmesg", async () => {
    const guest = await host.join("grantee");
    const [gpfn] = await dom0.memory.populatePhysmap(1);
    const ref = await dom0.grants.grantAccess(guest.domid, gpfn!);
    const mapping = await guest.grants.mapGrantRef(dom0.domid, ref);
    const { status, stdout } = await xl(["debug-keys", "g"]);
    expect(status).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe("gnttab_usage_print_all [ key 'g' pressed");
    expect(lines).toContain("grant-table for remote d0 (v1)");
    const hexRef = `[0x${ref.toString(16).padStart(3, "0")}]`;
    expect(lines.find((l) => l.startsWith(hexRef))).toMatch(/ 0x00000001 +\d+ 0x[0-9a-f]{6} 0x19$/);
    expect((await xl(["dmesg"])).stdout).toContain("gnttab_usage_print_all ] done");
    await guest.grants.unmapGrantRef(mapping.handle);
  });
});

describe("xl mem-set and xl mem-max with the guest's balloon driver", () => {
  let guest: XenDomain;
  let balloon: Balloon;
  const adjusted = (want: (s: BalloonStatus) => boolean) =>
    new Promise<BalloonStatus>((resolve) => {
      if (want(balloon.status)) return resolve(balloon.status);
      const off = balloon.onAdjusted((s) => {
        if (!want(s)) return;
        off();
        resolve(s);
      });
    });
  const frames = async () =>
    (
      (await (await fetch(`${host.hv.httpUrl}/api/domains`)).json()) as { domid: number; frames: number }[]
    ).find((d) => d.domid === guest.domid)?.frames;

  beforeAll(async () => {
    guest = await host.join("ballooned");
    await guest.memory.populatePhysmap(10); // the guest's own frames, in use: the balloon keeps off them
    balloon = await guest.balloon();
  });

  it("mem-max raises the ceiling; mem-set up populates frames, down gives them back", async () => {
    expect(await xl(["mem-max", "ballooned", "1m"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect((await xl(["mem-set", "ballooned", "512k"])).status).toBe(0);
    expect(await adjusted((s) => s.targetFrames === 128)).toEqual({
      targetFrames: 128,
      currentFrames: 128,
      spare: 118,
      shortBy: 0,
    });
    expect(await frames()).toBe(128);

    expect((await xl(["mem-set", String(guest.domid), "128k"])).status).toBe(0);
    expect(await adjusted((s) => s.targetFrames === 32)).toMatchObject({
      currentFrames: 32,
      spare: 22,
      shortBy: 0,
    });
    expect(await frames()).toBe(32);
  });

  it("stops short of a target below what the guest uses, and says by how much", async () => {
    expect((await xl(["mem-set", "ballooned", "0"])).status).toBe(0);
    expect(await adjusted((s) => s.targetFrames === 0)).toEqual({
      targetFrames: 0,
      currentFrames: 10,
      spare: 0,
      shortBy: 10,
    });
  });

  it("refuses a target above the maximum, a bad size, and no token", async () => {
    expect(await xl(["mem-set", "ballooned", "2m"])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/above the domain's maximum/),
    });
    expect(await xl(["mem-set", "ballooned", "lots"])).toMatchObject({
      status: 1,
      stderr: "invalid memory size: lots\n",
    });
    const captured = captureIo({ ...host.env, XEN_DOM0_TOKEN: undefined });
    expect(await runXl(["mem-max", "ballooned", "1g"], captured.io)).not.toBe(0);
    expect(captured.stderr()).toMatch(/needs dom0's token/);
  });
});

describe("xl trace", () => {
  it("streams the chosen domain's grant maps and event sends as JSON lines, then stops at -n", async () => {
    const guest = await host.join("traced");
    const [gpfn] = await dom0.memory.populatePhysmap(1);
    const ref = await dom0.grants.grantAccess(guest.domid, gpfn!);
    const port = await dom0.events.allocUnbound(guest.domid);
    const guestPort = await guest.events.bindInterdomain(dom0.domid, port);

    const captured = captureIo(host.env);
    const tracing = runXl(
      ["trace", "--domain", "traced", "--ops", "grant_map,event", "-n", "2"],
      captured.io,
    );
    const feeds = async () =>
      (await (await fetch(`${host.hv.httpUrl}/metrics`)).text()).includes("xen_trace_feeds 1");
    while (!(await feeds())) await new Promise((resolve) => setTimeout(resolve, 10));
    await guest.events.status(guestPort); // a plain hypercall: not asked for
    const mapping = await guest.grants.mapGrantRef(dom0.domid, ref);
    await guest.events.send(guestPort);
    expect(await tracing).toBe(0);

    const records = captured
      .stdout()
      .toString()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        kind: "grant_map",
        domid: guest.domid,
        peer: 0,
        ref,
        status: 0,
        handle: mapping.handle,
      }),
      expect.objectContaining({
        kind: "event",
        op: "evtchn_send",
        domid: guest.domid,
        port: guestPort,
        peer: 0,
      }),
    ]);
    for (const r of records) {
      expect(r["ts"]).toEqual(expect.any(Number));
      expect(r["durUs"]).toEqual(expect.any(Number));
    }
    await guest.grants.unmapGrantRef(mapping.handle);
  });
});

// XenFS between a real dom0 process and a real guest process under faults (docs/faults.md): the
// hypervisor loses and invents event-channel notifications on every ring, which the frontend and
// backend survive; and the guest is partitioned from the hypervisor, shorter than its lease (it
// carries on, a write made meanwhile completes) and longer (destroyed, it joins again as a new
// incarnation). Every acknowledged write reads back with its bytes.
import { setTimeout as sleep } from "node:timers/promises";
import { DOMID } from "@xenfs/proto";
import { domidsNamed, setFaults } from "@xenfs/testkit";
import { type GuestProcess, startGuestProcess, startXenfsHost, type XenfsHost } from "@xenfs/testkit-xenfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filePattern } from "./fixtures/file-pattern.js";

describe.sequential("XenFS under event-channel faults", () => {
  let host: XenfsHost;
  let guest: GuestProcess;

  beforeAll(async () => {
    host = await startXenfsHost({ files: { "seed.bin": filePattern(4, 1) }, memoryMb: 32, cacheMb: 8 });
    guest = await startGuestProcess(host.hv.url, "evtchn-faults", "shared");
  }, 120_000);
  afterAll(async () => {
    await setFaults(host.hv, DOMID.XEN, "").catch(() => {});
    await guest?.process.kill("SIGTERM");
    await host?.stop();
  });

  it.each([
    ["spurious", "evtchn_spurious=0.5"],
    ["lost", "evtchn_lose=0.3"],
    ["lost and spurious", "evtchn_lose=0.3,evtchn_spurious=0.3"],
  ])(
    "writes and reads back every file with %s notifications",
    async (kind, spec) => {
      await setFaults(host.hv, DOMID.XEN, spec);
      try {
        for (let i = 0; i < 8; i++) {
          const name = `${kind.replace(/ /g, "-")}-${i}.bin`;
          const bytes = filePattern(1 + (i % 3), i + 2);
          await guest.write(name, bytes);
          expect((await guest.read(name)).equals(Buffer.from(bytes))).toBe(true);
        }
        expect((await guest.read("seed.bin")).equals(Buffer.from(filePattern(4, 1)))).toBe(true);
      } finally {
        await setFaults(host.hv, DOMID.XEN, "");
      }
    },
    60_000,
  );
});

describe.sequential("a XenFS guest partitioned from the hypervisor", () => {
  let host: XenfsHost;
  let guest: GuestProcess;
  const before = filePattern(2, 7);
  const during = filePattern(3, 8);

  beforeAll(async () => {
    host = await startXenfsHost({ memoryMb: 32, cacheMb: 8, sessionLeaseMs: 1_500 });
    guest = await startGuestProcess(host.hv.url, "castaway", "shared");
  }, 120_000);
  afterAll(async () => {
    await guest?.process.kill("SIGTERM");
    await host?.stop();
  });

  it("shorter than the lease: a write made meanwhile completes after the heal, on the same domain", async () => {
    await guest.write("before.bin", before);
    await setFaults(host.hv, guest.domid, "partition=600ms");
    const started = Date.now();
    await guest.write("during.bin", during);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect((await guest.read("before.bin")).equals(before)).toBe(true);
    expect((await guest.read("during.bin")).equals(during)).toBe(true);
    expect(await domidsNamed(host.hv, "castaway")).toEqual([guest.domid]);
  }, 60_000);

  it("longer than the lease: destroyed, it joins again after the heal and finds every acknowledged write", async () => {
    await setFaults(host.hv, guest.domid, "partition=3s");
    await guest.process.waitFor(
      "the guest's next incarnation",
      (m) => m.msg === "guest joined again and attached its devices",
      30_000,
    );
    await sleep(100);
    expect((await guest.read("before.bin")).equals(before)).toBe(true);
    expect((await guest.read("during.bin")).equals(during)).toBe(true);
    await guest.write("after.bin", before);
    expect((await guest.read("after.bin")).equals(before)).toBe(true);
  }, 60_000);
});

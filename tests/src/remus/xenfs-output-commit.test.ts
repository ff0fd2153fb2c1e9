// Output commit on a real XenFS guest (docs/remus.md#output-commit): under xl remus, the guest's
// admin API answers a write (PUT /fs/…) only once the backup has committed a checkpoint taken
// after the write — so each answer comes with the backup's committed count moved on. Checkpoints
// are a second apart here: without output commit a write is answered long before the next one.
import { DOM0_TOKEN, type HypervisorProcess, startHypervisorProcess } from "@xenfs/testkit";
import { type GuestProcess, startGuestProcess, startXenfsHost, type XenfsHost } from "@xenfs/testkit-xenfs";
import { runXl } from "@xenfs/toolstack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../toolstack/host.js";

async function committedOn(backup: HypervisorProcess): Promise<number> {
  const res = await fetch(`${backup.httpUrl}/api/remus`, {
    headers: { authorization: `Bearer ${DOM0_TOKEN}` },
  });
  const { backups } = (await res.json()) as { backups: Array<{ committed: number; state: string }> };
  return backups.find((b) => b.state === "receiving")?.committed ?? -1;
}

describe("a XenFS guest under Remus", () => {
  let host: XenfsHost;
  let backup: HypervisorProcess;
  let guest: GuestProcess;

  beforeAll(async () => {
    host = await startXenfsHost({ memoryMb: 32, cacheMb: 4, sessionLeaseMs: 10_000 });
    backup = await startHypervisorProcess();
    guest = await startGuestProcess(host.hv.url, "remus-xenfs", "copy");
  }, 120_000);
  afterAll(async () => {
    await guest?.stop();
    await backup?.stop();
    await host?.stop();
  });

  it("answers a write through its admin API only after the backup committed the checkpoint holding it", async () => {
    const captured = captureIo({ XEN_HYPERVISOR_HTTP: host.hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    const args = ["remus", "remus-xenfs", backup.httpUrl, "--interval", "1000", "--heartbeat", "5000"];
    expect(await runXl(args, captured.io)).toBe(0);
    for (let i = 0; i < 3; i++) {
      const before = await committedOn(backup);
      expect(before).toBeGreaterThan(0);
      await guest.write(`remus-${i}.txt`, new TextEncoder().encode(`written ${i}`));
      expect(await committedOn(backup)).toBeGreaterThan(before);
      expect((await guest.read(`remus-${i}.txt`)).toString()).toBe(`written ${i}`);
    }
    const stopped = captureIo({ XEN_HYPERVISOR_HTTP: host.hv.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    expect(await runXl(["remus-stop", "remus-xenfs"], stopped.io)).toBe(0);
  });
});

// XenFS between a real dom0 process and a real guest process while the hypervisor loses and
// invents event-channel notifications on every ring (docs/faults.md): the frontend and backend
// survive both — every acknowledged write reads back with its bytes.
import { DOMID } from "@xenfs/proto";
import { setFaults } from "@xenfs/testkit";
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

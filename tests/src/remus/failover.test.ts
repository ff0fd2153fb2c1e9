// Remus failover by kill -9 of the primary hypervisor under a write load (docs/remus.md#tests):
// two hypervisors as real processes, a guest process that acknowledges its writes only through
// output commit; after the kill the backup activates the domain from its last committed
// checkpoint, the guest process attaches there, and no acknowledged write is lost. Three trials
// here; `pnpm remus:trials` runs twenty or more.
import { TRANSPORTS } from "@xenfs/testkit";
import { describe, expect, it } from "vitest";
import { remusTrial } from "./trial.js";

describe("Remus failover (kill -9 of the primary hypervisor)", () => {
  it.each([1, 2, 3])(
    "trial %i: every acknowledged write survives, the guest runs on at the backup",
    async (trial) => {
      const transport = TRANSPORTS[(trial - 1) % TRANSPORTS.length]!;
      const result = await remusTrial({ transport, ackedBeforeKill: 200, name: `remus-${trial}` });
      expect(result.xlRemus).toMatch(
        /^Remus: domain \d+ \(remus-\d\) protected by http:\S+: checkpoint 1 committed/,
      );
      expect(result.ackedBeforeKill).toBeGreaterThanOrEqual(200);
      expect(result.missing).toEqual([]);
      expect(result.attachedUrl).toBe(result.backupUrl);
      expect(result.ackedAfterFailover).toBeGreaterThan(0);
      expect(result.backupStatus).toMatchObject({
        backups: [{ name: `remus-${trial}`, state: "activated", activated: { epoch: expect.any(Number) } }],
      });
    },
  );
});

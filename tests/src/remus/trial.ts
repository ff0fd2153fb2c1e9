// One Remus failover trial (docs/remus.md#tests): two hypervisors as real processes, a guest
// process writing into its own frames under `xl remus` and acknowledging each write only through
// output commit; the primary hypervisor is killed (SIGKILL) mid-load; the backup activates the
// domain, the guest process attaches there, and every write it acknowledged must read back.
// An "acknowledged write" is one the guest reported on stdout (`acked`) — its answer to the
// outside world, released by remus.commit().

import type { HypervisorProcess } from "@xenfs/testkit";
import { CLUSTER_TOKEN, DOM0_TOKEN, JsonLinesProcess, startHypervisorProcess } from "@xenfs/testkit";
import { runXl } from "@xenfs/toolstack";
import { captureIo } from "../toolstack/host.js";

export interface TrialOptions {
  readonly transport: "shm" | "socket";
  /** Acknowledged writes to see before the kill. */
  readonly ackedBeforeKill: number;
  readonly intervalMs?: number;
  readonly heartbeatMs?: number;
  readonly name?: string;
}

export interface TrialResult {
  readonly ackedBeforeKill: number;
  readonly acked: number;
  readonly lost: number;
  readonly missing: number[];
  readonly ackedAfterFailover: number;
  /** From the kill to the guest's attach at the backup, as the test sees it. */
  readonly failoverMs: number;
  readonly xlRemus: string;
  readonly attachedUrl: string;
  readonly backupUrl: string;
  readonly backupStatus: unknown;
}

async function remusView(hv: HypervisorProcess): Promise<{ primaries: Array<{ state: string }> }> {
  const res = await fetch(`${hv.httpUrl}/api/remus`, { headers: { authorization: `Bearer ${DOM0_TOKEN}` } });
  return (await res.json()) as { primaries: Array<{ state: string }> };
}

interface Acked {
  slots: number[];
}

export async function remusTrial(options: TrialOptions): Promise<TrialResult> {
  const name = options.name ?? `remus-${options.transport}`;
  let a: HypervisorProcess | undefined;
  let b: HypervisorProcess | undefined;
  let guest: JsonLinesProcess | undefined;
  try {
    a = await startHypervisorProcess();
    b = await startHypervisorProcess();
    guest = JsonLinesProcess.start("remus-writer", "tests/src/fixtures/remus-writer.ts", {
      XEN_HYPERVISOR_URL: a.url,
      XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
      XEN_MEMORY_TRANSPORT: options.transport,
      GUEST_NAME: name,
      GUEST_FRAMES: "64",
      WRITE_GAP_MS: "1",
    });
    await guest.event("joined");
    const captured = captureIo({ XEN_HYPERVISOR_HTTP: a.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN });
    const status = await runXl(
      [
        "remus",
        name,
        b.httpUrl,
        "--interval",
        String(options.intervalMs ?? 50),
        "--heartbeat",
        // Long enough that a busy machine's stall is not taken for a dead primary.
        String(options.heartbeatMs ?? 1_000),
      ],
      captured.io,
    );
    if (status !== 0) throw new Error(`xl remus failed: ${captured.stderr()}`);
    const xlRemus = captured.stdout().toString();

    const acked = new Set<number>();
    let lost = 0;
    const take = async (atLeast: number, whenLost = false): Promise<void> => {
      while (acked.size < atLeast) {
        const m = await guest!.waitFor<Acked & { event: string }>(
          "acked",
          (msg) => msg.event === "acked" || (whenLost && msg.event === "lost"),
          30_000,
        );
        if (m.event === "lost") lost += m.slots.length;
        else for (const slot of m.slots) acked.add(slot);
      }
    };
    await take(options.ackedBeforeKill);
    const ackedBeforeKill = acked.size;
    // The pair must still be whole when the primary dies, or the trial tests nothing.
    const pair = await remusView(a);
    if (pair.primaries[0]?.state !== "protecting")
      throw new Error(`the primary stopped protecting before the kill: ${JSON.stringify(pair.primaries[0])}`);
    const killedAt = Date.now();
    await a.process.kill("SIGKILL");
    const attached = await guest.event<{ url: string }>("attached", 30_000);
    const failoverMs = Date.now() - killedAt;
    // Writes go on at the backup, acknowledged at once (nothing protects it now).
    await take(acked.size + 50, true);
    guest.send({ cmd: "check", slots: [...acked] });
    const checked = await guest.event<{ missing: number[] }>("checked", 30_000);
    const backupStatus = await remusView(b);
    return {
      ackedBeforeKill,
      acked: acked.size,
      lost,
      missing: checked.missing,
      ackedAfterFailover: acked.size - ackedBeforeKill,
      failoverMs,
      xlRemus,
      attachedUrl: attached.url,
      backupUrl: b.url,
      backupStatus,
    };
  } catch (error) {
    // The guest's own account, when it failed (its `error` line), goes with the error.
    const said = await guest
      ?.waitFor<{ message: string }>("its error", (m) => m.event === "error", 100)
      .catch(() => undefined);
    if (said)
      (error as Error).message = `${(error as Error).message.split("\n")[0]} — guest: ${said.message}`;
    throw error;
  } finally {
    await guest?.kill();
    await a?.process.kill("SIGKILL");
    await b?.stop();
  }
}

// The migration benchmark's moves: `xl migrate` as a user runs it (the toolstack's bin from
// source), the guest's own stall figure once it is on the target, and both hosts' records.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DOM0_TOKEN, type HypervisorProcess, type JsonLinesProcess } from "@xenfs/testkit";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Stats {
  readonly url: string;
  readonly longestStallMs: number;
  readonly requests: number;
}

export interface Departure {
  readonly rounds: readonly {
    round: number;
    pages: number;
    suspended: boolean;
    atMs: number;
    suspendedAtMs?: number;
  }[];
  readonly suspendedMs?: number;
  readonly totalMs?: number;
}

export interface Arrival {
  readonly attachedAfterMs?: number;
}

/** `xl migrate <name> <b>` against `a`: the time xl says it took. */
export async function migrateWithXl(
  name: string,
  a: HypervisorProcess,
  b: HypervisorProcess,
): Promise<{ ms: number }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@xenfs/source",
      "--import",
      "tsx",
      "packages/toolstack/src/bin/xl.ts",
      "migrate",
      name,
      b.httpUrl,
    ],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env["PATH"] ?? "", XEN_HYPERVISOR_HTTP: a.httpUrl, XEN_DOM0_TOKEN: DOM0_TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const ms = /^migrated \d+ bytes in (\d+) ms$/m.exec(out)?.[1];
  if (code !== 0 || ms === undefined) throw new Error(`xl migrate failed (${code}): ${err || out}`);
  return { ms: Number(ms) };
}

/** The guest's stats once it runs on `b`, and a moment after, so the move's stall is counted. */
export async function untilMoved(guest: JsonLinesProcess, b: HypervisorProcess): Promise<Stats> {
  for (;;) {
    guest.send({ cmd: "stats" });
    const stats = await guest.event<Stats>("stats", 60_000);
    if (stats.url === b.url) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      guest.send({ cmd: "stats" });
      const after = await guest.event<Stats>("stats");
      return { ...after, longestStallMs: Math.max(stats.longestStallMs, after.longestStallMs) };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The source's record of what it sent, the target's of what it received. */
export async function migrationRecords(
  a: HypervisorProcess,
  b: HypervisorProcess,
): Promise<{ departure: Departure; arrival: Arrival }> {
  const view = async (hv: HypervisorProcess) =>
    (await (await fetch(`${hv.httpUrl}/api/migrations`)).json()) as {
      departures: Departure[];
      arrivals: Arrival[];
    };
  const departure = (await view(a)).departures.at(-1);
  const arrival = (await view(b)).arrivals.at(-1);
  if (!departure || !arrival) throw new Error("the hosts kept no record of the migration");
  return { departure, arrival };
}

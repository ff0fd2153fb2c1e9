// The scenario of `pnpm test:compose` (run.sh brings the cluster up and tears it down): shared
// reads across the guests and the real memory they cost, live migration to host b and back, then the recovery cases of issue 5 with writes in flight, then every
// acknowledged write read back. Prints the figures; exit 1 when a case fails.
//
//   tsx infra/compose-test/src/main.ts [case…]     (default: every case)

import { dom0Restart } from "./cases/dom0-restart.js";
import { guestKill } from "./cases/guest-kill.js";
import { guestPause } from "./cases/guest-pause.js";
import { hypervisorRestart } from "./cases/hypervisor-restart.js";
import { migrateHosts2 } from "./cases/migrate-hosts2.js";
import { runtimeFaults } from "./cases/runtime-faults.js";
import { sharedMemory } from "./cases/shared-memory.js";
import { sharedRead } from "./cases/shared-read.js";
import { Cluster, type Guest, isReady } from "./cluster.js";
import type { CaseContext, TestCase } from "./context.js";
import { Compose } from "./docker.js";
import { printFigures } from "./figures.js";
import { verifyAcked } from "./verify.js";
import { seconds, waitFor } from "./wait.js";
import { WriteLoad } from "./write-load.js";

const CASES: readonly TestCase[] = [
  sharedRead,
  sharedMemory,
  migrateHosts2,
  guestKill,
  runtimeFaults,
  dom0Restart,
  hypervisorRestart,
  guestPause,
];
const STARTUP_MS = 180_000;

function env(name: string, fallback: string): string {
  return process.env[name] || fallback;
}

function selectCases(names: readonly string[]): TestCase[] {
  const unknown = names.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown case ${unknown.join(", ")}; cases: ${CASES.map((c) => c.name).join(", ")}`);
  }
  const chosen = names.length === 0 ? [...CASES] : CASES.filter((c) => names.includes(c.name));
  // The writes in flight start with the first case that wants them and run to the end.
  return [...chosen.filter((c) => !c.withWrites), ...chosen.filter((c) => c.withWrites)];
}

/** Starts the writes in flight and waits until every guest has had one acknowledged. */
async function startWrites(load: WriteLoad, guests: readonly Guest[]): Promise<void> {
  const startedAt = Date.now();
  load.start(guests);
  await waitFor("every guest's first write", STARTUP_MS, async () => load.allAckedSince(guests, startedAt));
}

async function main(): Promise<number> {
  const cases = selectCases(process.argv.slice(2));
  const compose = new Compose(
    [env("XENFS_COMPOSE", "infra/docker/compose.sh")],
    env("COMPOSE_PROJECT_NAME", "xenfs-compose-test"),
    env("XENFS_COMPOSE_FILES", "docker-compose.yml:docker-compose.override.yml").split(":"),
  );
  const cluster = new Cluster(compose);
  const expectedGuests = Number(env("XENFS_TEST_GUESTS", "4"));
  const figures: [string, string | number][] = [];
  const load = new WriteLoad();

  const startedAt = Date.now();
  const guests = await waitFor(`${expectedGuests} guests to mount`, STARTUP_MS, async () => {
    const found = await cluster.guests();
    const ready = await Promise.all(found.map(isReady));
    return found.length === expectedGuests && ready.every(Boolean) && found;
  });
  figures.push(["guests mounted", `${guests.length} (after ${seconds(startedAt)} s)`]);

  const ctx: CaseContext = {
    compose,
    cluster,
    guests,
    load,
    leaseMs: Number(env("XEN_SESSION_LEASE_MS", "10000")),
    figure: (name, value) => figures.push([name, value]),
  };
  let failure: Error | undefined;
  try {
    for (const testCase of cases) {
      if (testCase.withWrites && load.acked.length === 0) await startWrites(load, guests);
      console.log(`compose-test: ${testCase.name}`);
      await testCase.run(ctx);
      console.log(`compose-test: ${testCase.name} passed`);
    }
  } catch (error) {
    failure = error as Error;
  } finally {
    await load.stop();
  }
  if (!failure && cases.some((c) => c.withWrites)) {
    try {
      if (load.hung.length > 0) throw new Error(`guests hung on: ${load.hung.join(", ")}`);
      await verifyAcked(load.acked, await cluster.guests());
      figures.push(["writes acknowledged and read back", load.acked.length]);
      figures.push(["writes refused while a service was down", load.refused]);
    } catch (error) {
      failure = error as Error;
    }
  }
  printFigures(figures);
  if (failure) {
    console.error(`compose-test: FAILED: ${failure.message}`);
    return 1;
  }
  console.log(`compose-test: passed (${cases.map((c) => c.name).join(", ")})`);
  return 0;
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`compose-test: ${error.message}`);
  return 1;
});

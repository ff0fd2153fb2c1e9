// One scenario, start to end: the host, a baseline of dom0's grants, mappings and ports, the
// workload under the schedule for the scenario's duration, the faults ended and the keys settled,
// then the final state read and every invariant checked, the guests stopped and the counts
// checked back at their baseline.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type DomainView, memoryView } from "@xenfs/testkit";
import type { Violation } from "./checker.js";
import { type ChaosHost, ComposeHost } from "./compose-host.js";
import type { Seen } from "./content.js";
import { type AppliedFault, runFault, setDiskFaults, setMessageFaults } from "./faults.js";
import { History, type Operation } from "./history.js";
import { LocalHost } from "./host.js";
import { Random } from "./random.js";
import { checkHistory, saveRun } from "./saved.js";
import type { Scenario } from "./scenario.js";
import { Workload } from "./workload.js";

export interface RunResult {
  readonly scenario: Scenario;
  readonly ops: readonly Operation[];
  readonly faults: readonly AppliedFault[];
  readonly violations: readonly Violation[];
  /** How long the workload ran under the schedule. */
  readonly runMs: number;
  /** Services that died by themselves (a torn write) and were started again. */
  readonly crashes: readonly string[];
}

/** How long the domains of stopped guests may take to be gone and their grants given back. */
const TEARDOWN_MS = 20_000;

/** dom0's grants, mappings and ports, and the machine frames no domain but dom0 holds. */
type Counts = Pick<DomainView, "grants" | "maps" | "ports"> & { readonly framesBeyondDom0: number };

export interface RunOptions {
  readonly log?: (line: string) => void;
  /** Where to write the history before it is checked (saved.ts). */
  readonly saveHistory?: string;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const { log = () => {}, saveHistory } = options;
  log(`${scenario.name}: seed ${scenario.seed}, ${scenario.host.guests} guests, ${scenario.durationMs} ms`);
  const host: ChaosHost =
    scenario.host.kind === "compose" ? await ComposeHost.start(scenario) : await LocalHost.start(scenario);
  try {
    const baseline = await counts(host);
    for (let i = 0; i < scenario.host.guests; i++) await host.startGuest(i);
    log(`${scenario.name}: host up (dom0 ${JSON.stringify(baseline)})`);

    const history = new History();
    const workload = new Workload(scenario, host, history, new Random(scenario.seed));
    let stopped = false;
    const faults: AppliedFault[] = scenario.schedule.map((event) => ({ event }));
    const running = workload.run();
    const faulting = Promise.all(faults.map((fault) => runFault(host, history, fault, () => stopped)));
    await sleep(scenario.durationMs);
    stopped = true;
    workload.stop();
    await running;
    const runMs = history.now();
    await faulting;
    await heal(host);
    log(`${scenario.name}: ${history.ops.length} operations; settling`);

    await workload.settle();
    const keys = workload.keys();
    log(`${scenario.name}: settled; final reads of ${keys.length} keys`);
    const finalBytes = new Map<string, { disk: Buffer | undefined; guest: Seen | undefined | "hung" }>();
    let hung = false;
    for (const key of keys) {
      const disk = await readFile(join(host.exportDir, key)).catch(() => undefined);
      // Once a final read hangs (a violation of its own) the guest is not asked again: the disk
      // is still checked for every key.
      const read: Operation | undefined = hung ? undefined : await workload.read("final", 0, key);
      hung ||= read?.outcome === "hung";
      finalBytes.set(key, {
        disk,
        guest: read === undefined || read.outcome === "hung" ? "hung" : read.seen,
      });
    }
    const saved = {
      scenario: scenario.name,
      seed: scenario.seed,
      fileBytes: scenario.workload.fileBytes,
      ops: history.ops,
      keys,
      final: finalBytes,
    };
    if (saveHistory !== undefined) {
      await saveRun(saveHistory, saved);
      log(`${scenario.name}: history saved to ${saveHistory}`);
    }
    log(`${scenario.name}: checking the history`);
    const checkStarted = performance.now();
    const violations = checkHistory(saved);
    log(`${scenario.name}: history checked in ${Math.round(performance.now() - checkStarted)} ms; teardown`);
    violations.push(...(await checkTeardown(host, baseline)));
    const crashes = host.crashes.map((crash) => crash.target);
    return { scenario, ops: history.ops, faults, violations, runMs, crashes };
  } finally {
    await host.stop();
  }
}

/** Ends every fault still in force: disk rules, and message rules on every live domain. */
async function heal(host: ChaosHost): Promise<void> {
  if (host.dom0 !== undefined) await setDiskFaults(host.dom0.url, "");
  for (const domain of await host.domains()) await setMessageFaults(host, domain.domid, "").catch(() => {});
}

/** dom0's page cache grows as it likes, so frames are counted beyond dom0's own. */
async function counts(host: ChaosHost): Promise<Counts> {
  const dom0 = (await host.domains()).find((d) => d.domid === 0);
  if (dom0 === undefined) throw new Error("no dom0 in the hypervisor's domain list");
  const memory = await memoryView(host.hv.httpUrl);
  const dom0Frames = memory.domains.find((d) => d.domid === 0)?.frames ?? 0;
  return {
    grants: dom0.grants,
    maps: dom0.maps,
    ports: dom0.ports,
    framesBeyondDom0: memory.frames.used - dom0Frames,
  };
}

/** Guests stopped, within TEARDOWN_MS: no domain but dom0, and dom0's counts at their baseline. */
async function checkTeardown(host: ChaosHost, baseline: Counts): Promise<Violation[]> {
  await host.stopGuests();
  const deadline = Date.now() + TEARDOWN_MS;
  let problems: string[] = [];
  do {
    const domains = await host.domains();
    const now = await counts(host);
    problems = [
      ...domains.filter((d) => d.domid !== 0).map((d) => `domain ${d.domid} (${d.name}) is still ${d.state}`),
      ...(["grants", "maps", "ports", "framesBeyondDom0"] as const)
        .filter((field) => now[field] !== baseline[field])
        .map((field) => {
          const what = field === "framesBeyondDom0" ? "machine frames held beyond dom0's" : `dom0 ${field}`;
          return `${what} ${now[field]}, baseline ${baseline[field]}`;
        }),
    ];
    if (problems.length === 0) return [];
    await sleep(200);
  } while (Date.now() < deadline);
  return problems.map((detail) => ({
    kind: "leak",
    detail: `${detail} ${TEARDOWN_MS} ms after the guests stopped`,
  }));
}

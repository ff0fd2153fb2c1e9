// Faults injected at run time on one guest while everyone writes: hypervisor message faults with
// `xl fault` (run in dom0, the toolstack domain), network delay and loss with tc netem, and a
// domain pause with `xl pause`. The guest keeps having writes acknowledged under the faults, and
// every guest writes on once they are cleared.
import { setTimeout as sleep } from "node:timers/promises";
import type { CaseContext, TestCase } from "../context.js";
import { script } from "../docker.js";
import { seconds, waitFor } from "../wait.js";

const XEN_FAULTS = "delay=5..20ms,dup=0.05";
const NETEM = ["80ms", "2%"] as const;
const UNDER_FAULTS_MS = 6_000;
const PAUSE_MS = 2_000;
const FAULTS_BUDGET_MS = 60_000;

/** Applies netem; a kernel without netem is this machine's limit, reported, not a failure. */
async function addNetem(container: string): Promise<string> {
  try {
    await script("infra/chaos/netem.sh", "add", container, ...NETEM);
    return `netem ${NETEM.join(" ")}`;
  } catch (error) {
    if (!(error as Error).message.includes("no netem qdisc")) throw error;
    return "no netem (not in this kernel)";
  }
}

const xl = (ctx: CaseContext, ...args: string[]) => ctx.compose.run("exec", "-T", "dom0", "xl", ...args);

export const runtimeFaults: TestCase = {
  name: "runtime-faults",
  withWrites: true,
  async run(ctx) {
    const guest = ctx.guests[0]!;
    const domain = await ctx.cluster.domainOf(guest);
    if (!domain) throw new Error(`guest ${guest.id.slice(0, 12)} has no domain`);
    // By domid: a container id of only digits would read as one.
    const name = String(domain.domid);
    await xl(ctx, "fault", name, XEN_FAULTS);
    const netem = await addNetem(guest.id);
    try {
      const rules = await xl(ctx, "fault");
      if (!rules.includes("dup=0.05")) throw new Error(`xl fault does not show the rules: ${rules}`);
      const faultedAt = Date.now();
      await sleep(UNDER_FAULTS_MS);
      await waitFor(`guest ${guest.id.slice(0, 12)} to write under faults`, FAULTS_BUDGET_MS, async () =>
        ctx.load.allAckedSince([guest], faultedAt),
      );
      await xl(ctx, "pause", name);
      await sleep(PAUSE_MS);
    } finally {
      await xl(ctx, "unpause", name).catch(() => undefined); // not paused if the case failed before
      await xl(ctx, "fault", name, "--clear");
      await script("infra/chaos/netem.sh", "del", guest.id);
    }
    const clearedAt = Date.now();
    await waitFor("every guest to write after the faults", FAULTS_BUDGET_MS, async () =>
      ctx.load.allAckedSince(ctx.guests, clearedAt),
    );
    ctx.figure("runtime faults on one guest", `xl fault '${XEN_FAULTS}', ${netem}, xl pause`);
    ctx.figure("runtime faults: every guest writing after clearing (s)", seconds(clearedAt));
  },
};

// The hypervisor restarted under writes: every domain is gone with it, so each guest must join
// again as a new domain, remount, and have a new write acknowledged.
import { recoveryBudgetMs, type TestCase } from "../context.js";
import { seconds, waitFor } from "../wait.js";
import { allListed } from "./domains.js";

export const hypervisorRestart: TestCase = {
  name: "hypervisor-restart",
  withWrites: true,
  async run(ctx) {
    await ctx.compose.run("restart", "hypervisor");
    const restartedAt = Date.now();
    await waitFor("every guest to join the new hypervisor as a new domain", recoveryBudgetMs(ctx), () =>
      allListed(ctx.cluster, ctx.guests),
    );
    await waitFor("every guest to write again after the restart", recoveryBudgetMs(ctx), async () =>
      ctx.load.allAckedSince(ctx.guests, restartedAt),
    );
    ctx.figure("hypervisor restart: every guest rejoined and writing after (s)", seconds(restartedAt));
  },
};

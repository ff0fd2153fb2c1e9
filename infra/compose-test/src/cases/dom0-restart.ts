// dom0 killed (SIGKILL) and started again under writes: every guest reconnects through xenbus
// and has a new write acknowledged; the acknowledged writes are checked at the end.
import { recoveryBudgetMs, type TestCase } from "../context.js";
import { seconds, waitFor } from "../wait.js";

export const dom0Restart: TestCase = {
  name: "dom0-restart",
  withWrites: true,
  async run(ctx) {
    await ctx.compose.run("kill", "dom0");
    const killedAt = Date.now();
    await ctx.compose.run("start", "dom0");
    await waitFor("every guest to write again after dom0 came back", recoveryBudgetMs(ctx), async () =>
      ctx.load.allAckedSince(ctx.guests, killedAt),
    );
    ctx.figure("dom0 kill + start: every guest writing again after (s)", seconds(killedAt));
  },
};

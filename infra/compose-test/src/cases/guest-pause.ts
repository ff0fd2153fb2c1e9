// Guests frozen (`compose pause domu`) past the session lease: the hypervisor must let their
// domains die; unpaused, each guest joins again as a new domain and writes again.
import { recoveryBudgetMs, type TestCase } from "../context.js";
import { seconds, waitFor } from "../wait.js";
import { allRejoined, guestDomids } from "./domains.js";

export const guestPause: TestCase = {
  name: "guest-pause",
  withWrites: true,
  async run(ctx) {
    const old = await guestDomids(ctx.cluster, ctx.guests);
    await ctx.compose.run("pause", "domu");
    const pausedAt = Date.now();
    let deadAfter: number;
    try {
      await waitFor("the paused guests' domains to die", recoveryBudgetMs(ctx), async () => {
        const listed = new Set((await ctx.cluster.domains()).map((d) => d.domid));
        return [...old.values()].every((domid) => !listed.has(domid));
      });
      deadAfter = seconds(pausedAt);
    } finally {
      await ctx.compose.run("unpause", "domu");
    }
    const unpausedAt = Date.now();
    await waitFor("every unpaused guest to join again as a new domain", recoveryBudgetMs(ctx), () =>
      allRejoined(ctx.cluster, ctx.guests, old),
    );
    await waitFor("every unpaused guest to write again", recoveryBudgetMs(ctx), async () =>
      ctx.load.allAckedSince(ctx.guests, unpausedAt),
    );
    ctx.figure("guests paused: domains dead after (s)", deadAfter);
    ctx.figure("guests unpaused: every guest rejoined and writing after (s)", seconds(unpausedAt));
  },
};
